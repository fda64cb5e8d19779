// The card / bank-debit form of the payment status page: Stripe.js collects the details in its own frame (they never
// reach the engine) and confirms the PaymentIntent the engine created; Stripe then redirects back to this page, and
// the signed webhook settles the invoices. Without Stripe.js (blocked, offline) the page says so instead of hanging.
(function () {
  var element = document.getElementById('payment-element');
  var form = document.getElementById('payment-form');
  var message = document.getElementById('payment-message');
  if (!element || !form) return;
  var say = function (text) {
    if (message) message.textContent = text;
  };
  if (typeof window.Stripe !== 'function') {
    say('The card form could not be loaded. Please reload the page, or pay by bank transfer.');
    return;
  }
  var stripe = window.Stripe(element.dataset.publishableKey);
  var elements = stripe.elements({ clientSecret: element.dataset.clientSecret });
  elements.create('payment').mount(element);
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var button = form.querySelector('button');
    if (button) button.disabled = true;
    stripe
      .confirmPayment({ elements: elements, confirmParams: { return_url: form.dataset.returnUrl } })
      .then(function (result) {
        if (result.error) {
          say(result.error.message || 'The payment was not confirmed.');
          if (button) button.disabled = false;
        }
      });
  });
})();
