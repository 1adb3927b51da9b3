// The consent log and proof pages: copy a consent ID to the clipboard, or select it where the
// clipboard is refused. A separate file, as the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-text]").forEach(function (button) {
    button.addEventListener("click", function () {
      const text = button.dataset.copyText;
      const label = button.textContent;
      const done = function () {
        button.textContent = button.dataset.copied || label;
        setTimeout(function () {
          button.textContent = label;
        }, 2000);
      };
      const select = function () {
        const source = button.previousElementSibling;
        if (!source) return;
        const range = document.createRange();
        range.selectNodeContents(source);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, select);
      } else {
        select();
      }
    });
  });
})();
