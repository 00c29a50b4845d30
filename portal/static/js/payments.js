// The Stripe card island. Pages work without it (only a saved card can then be used); with it, a
// new card is typed into Stripe's Card Element, confirmed with a SetupIntent (Stripe.js talks to
// Stripe directly: the card number never reaches Detail Desk), and the form posts the SetupIntent's
// id. The server charges the deposit. When the bank asks for 3-D Secure, the booking page runs it
// with confirmCardPayment and then asks the server for the outcome.
(function () {
  "use strict";

  var stripeByKey = {};

  function stripeFor(key) {
    if (typeof window.Stripe !== "function" || !key) {
      return null;
    }
    if (!stripeByKey[key]) {
      stripeByKey[key] = window.Stripe(key);
    }
    return stripeByKey[key];
  }

  function csrfToken(form) {
    var input = form.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  }

  function showError(holder, text) {
    var box = holder.querySelector("[data-card-errors]");
    if (!box) {
      return;
    }
    box.textContent = text || "";
    box.hidden = !text;
  }

  function postJSON(url, token) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, Accept: "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok || !body.client_secret) {
          throw new Error(body.error || "We could not start the card check. Please try again.");
        }
        return body.client_secret;
      });
    }, function () {
      throw new Error("We could not reach Detail Desk. Check your connection and try again.");
    });
  }

  function usesNewCard(form) {
    var chosen = form.querySelector("[data-card-choice]:checked");
    return !chosen || chosen.value === "new";
  }

  function setupCardForm(form) {
    if (form.dataset.cardReady) {
      return;
    }
    var stripe = stripeFor(form.dataset.publishableKey);
    var holder = form.querySelector("[data-card-element]");
    if (!stripe || !holder) {
      return;
    }
    form.dataset.cardReady = "1";
    var card = stripe.elements().create("card", { hidePostalCode: false });
    card.mount(holder);
    var newCard = form.querySelector("[data-new-card]");
    form.querySelectorAll("[data-card-choice]").forEach(function (radio) {
      radio.addEventListener("change", function () {
        newCard.hidden = !usesNewCard(form);
      });
    });
    var busy = false;
    form.addEventListener("submit", function (event) {
      if (form.dataset.confirmed || !usesNewCard(form)) {
        return; // the saved card, or a card already confirmed: post as it is
      }
      event.preventDefault();
      if (busy) {
        return; // a double click: the first one is on its way
      }
      busy = true;
      var buttons = form.querySelectorAll("button[type=submit]");
      buttons.forEach(function (b) { b.disabled = true; });
      showError(form, "");
      postJSON(form.dataset.setupUrl, csrfToken(form))
        .then(function (secret) {
          return stripe.confirmCardSetup(secret, { payment_method: { card: card } });
        })
        .then(function (result) {
          if (result.error) {
            throw new Error(result.error.message || "Your card was not accepted.");
          }
          form.querySelector("[data-setup-intent]").value = result.setupIntent.id;
          form.dataset.confirmed = "1";
          form.submit();
        })
        .catch(function (error) {
          busy = false;
          buttons.forEach(function (b) { b.disabled = false; });
          showError(form, error.message);
        });
    });
  }

  function setupAuthenticate(panel) {
    if (panel.dataset.authReady) {
      return;
    }
    var stripe = stripeFor(panel.dataset.publishableKey);
    var form = panel.querySelector("[data-authenticated-form]");
    var button = panel.querySelector("[data-authenticate-button]");
    if (!stripe || !form || !button) {
      return;
    }
    panel.dataset.authReady = "1";
    function run() {
      button.disabled = true;
      showError(panel, "");
      postJSON(panel.dataset.secretUrl, csrfToken(form))
        .then(function (secret) {
          return stripe.confirmCardPayment(secret);
        })
        .then(function () {
          form.submit(); // the server reads the outcome from Stripe, success or not
        })
        .catch(function (error) {
          button.disabled = false;
          showError(panel, error.message);
        });
    }
    button.addEventListener("click", run);
  }

  function init(root) {
    root.querySelectorAll("form[data-card-form]").forEach(setupCardForm);
    root.querySelectorAll("[data-authenticate]").forEach(setupAuthenticate);
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
  });
  document.addEventListener("htmx:load", function (event) {
    init(event.detail.elt);
  });
})();
