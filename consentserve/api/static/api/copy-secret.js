// Copies a new API key's secret (portal, "API key created"): a button with data-copy names the
// input; the outcome is announced in the status line next to it. No inline script (CSP).
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.dataset.copy);
    var status = document.getElementById(button.dataset.copy + "-status");
    if (!input) return;
    function say(text) {
      if (status) status.textContent = text;
    }
    button.addEventListener("click", function () {
      input.select();
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(input.value).then(
          function () { say(button.dataset.copied); },
          function () { say(button.dataset.copyFailed); }
        );
      } else {
        say(button.dataset.copyFailed);
      }
    });
  });
})();
