// Detail Desk's only script besides htmx and print.js. Pages work without it; it makes htmx swaps
// friendlier. (No inline scripts: the Content-Security-Policy forbids them.)

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

// htmx does not swap error answers (4xx/5xx other than 422): say what happened in the flash region
// instead of leaving the page silently unchanged.
var ERROR_MESSAGES = {
  400: "Your form expired or your session ended. Reload the page and try again.",
  403: "Your account does not have access to this.",
  404: "We could not find that. It may have been removed.",
  413: "The file is larger than we accept. Please choose a smaller file.",
  429: "Too many attempts in a short time. Please wait a minute and try again."
};

function showError(text) {
  var region = document.getElementById("flash");
  if (!region) {
    return;
  }
  var message = document.createElement("div");
  message.className = "flash flash-error";
  message.setAttribute("role", "alert");
  message.textContent = text;
  region.replaceChildren(message);
}

document.addEventListener("htmx:responseError", function (event) {
  var status = event.detail.xhr.status;
  showError(ERROR_MESSAGES[status] || "Something went wrong (" + status + "). Nothing was lost; please try again.");
});

document.addEventListener("htmx:sendError", function () {
  showError("We could not reach Detail Desk. Check your connection and try again.");
});
