// Detail Desk's only script besides htmx and print.js. Pages work without it; it makes htmx swaps
// friendlier. (No inline scripts: the Content-Security-Policy forbids them.)

// After an htmx swap, move keyboard focus to where the work goes on: keyboard and screen-reader users would
// otherwise be left on a button that no longer exists (htmx itself keeps focus only on an element whose id is
// still there, such as the field where Enter was pressed).
//  - The button that sent the form may name the place: data-focus-after="id id ...", the first of those that
//    exists ("invalid": the first field marked invalid), e.g. the new row after "Add a shift".
//  - A region marked data-focus-after-swap (a wizard step) starts at its first invalid field, then the button's
//    choice, then its heading.
document.addEventListener("htmx:afterSettle", function (event) {
  var detail = event.detail || {};
  var target = detail.target;
  if (!target || !target.id) {
    return;
  }
  var region = document.getElementById(target.id) || target;
  var trigger = detail.requestConfig && detail.requestConfig.triggeringEvent;
  var submitter = trigger && trigger.submitter;
  var wanted = submitter && submitter.getAttribute("data-focus-after");
  var places = wanted ? wanted.split(/\s+/) : [];
  if (region.hasAttribute("data-focus-after-swap")) {
    places = ["invalid"].concat(places, ["heading"]);
  }
  for (var i = 0; i < places.length; i++) {
    var place = places[i];
    var element = place === "invalid" ? region.querySelector('[aria-invalid="true"]')
      : place === "heading" ? region.querySelector("[data-focus-heading]")
      : document.getElementById(place);
    if (element) {
      element.focus(place === "heading" ? { preventScroll: true } : undefined);
      return;
    }
  }
});

// The live quote names the fields it cannot read: items [data-field-error="<field id>"] in its panel, each with
// an id. Mark each such field invalid and described by its message, as a submitted form would, until an answer
// no longer names it. Fields the page was rendered with marks for (a submitted form's errors) are left alone.
function unmarkLiveError(field) {
  var describedBefore = field.getAttribute("data-live-error");
  if (describedBefore) {
    field.setAttribute("aria-describedby", describedBefore);
  } else {
    field.removeAttribute("aria-describedby");
  }
  field.removeAttribute("aria-invalid");
  field.removeAttribute("data-live-error");
  var wrapper = field.closest(".field");
  if (wrapper) {
    wrapper.classList.remove("field-invalid");
  }
}

function markLiveError(field, messageId) {
  if (field.getAttribute("aria-invalid") === "true") {
    return;
  }
  var describedBefore = field.getAttribute("aria-describedby") || "";
  field.setAttribute("data-live-error", describedBefore);
  field.setAttribute("aria-describedby", (describedBefore + " " + messageId).trim());
  field.setAttribute("aria-invalid", "true");
  var wrapper = field.closest(".field");
  if (wrapper) {
    wrapper.classList.add("field-invalid");
  }
}

function markLiveErrors() {
  document.querySelectorAll("[data-live-error]").forEach(unmarkLiveError);
  document.querySelectorAll("[data-field-error]").forEach(function (item) {
    var field = document.getElementById(item.getAttribute("data-field-error"));
    if (field && item.id) {
      markLiveError(field, item.id);
    }
  });
}

document.addEventListener("htmx:afterSettle", markLiveErrors);

// An element marked data-aborts="<selector>" re-renders what the matching elements' answers would go into:
// when it sends its request, theirs still on the way are aborted, so that they never land after it (the
// instant quote: a new agency or a new shift row makes the live panel's pending answer stale).
document.addEventListener("htmx:beforeRequest", function (event) {
  var source = event.detail && event.detail.elt;
  var selector = source && source.getAttribute && source.getAttribute("data-aborts");
  if (selector) {
    document.querySelectorAll(selector).forEach(function (stale) {
      htmx.trigger(stale, "htmx:abort");
    });
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
