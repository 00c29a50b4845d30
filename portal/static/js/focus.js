// After htmx swaps in a new wizard step, move keyboard focus to where the new content starts:
// the first field marked invalid (a refused step), else the step's heading. Keyboard and
// screen-reader users would otherwise be left on a button that no longer exists.
document.addEventListener("htmx:afterSettle", function (event) {
  var target = event.detail && event.detail.target;
  if (!target || !target.hasAttribute || !target.hasAttribute("data-focus-after-swap")) {
    return;
  }
  var region = document.getElementById(target.id) || target;
  var invalid = region.querySelector('[aria-invalid="true"]');
  var heading = region.querySelector("[data-focus-heading]");
  if (invalid) {
    invalid.focus();
  } else if (heading) {
    heading.focus({ preventScroll: true });
  }
});
