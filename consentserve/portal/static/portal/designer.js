// The installation designer: colour pickers next to their hex fields, the live preview that
// reloads after each saved change, the catalog filter and the copy button of the embed snippet.
// A static file because the Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  const HEX = /^#[0-9a-fA-F]{6}$/;

  // The picker has no name: the hex field is what the form sends, the picker only sets it.
  document.querySelectorAll("input[type=color][data-colour-for]").forEach(function (picker) {
    const field = document.getElementById(picker.dataset.colourFor);
    if (!field) return;
    picker.addEventListener("input", function () {
      field.value = picker.value;
      field.dispatchEvent(new Event("input", { bubbles: true }));
    });
    field.addEventListener("input", function () {
      if (HEX.test(field.value.trim())) picker.value = field.value.trim().toLowerCase();
    });
  });

  const frame = document.getElementById("designer-preview");
  function reloadPreview() {
    if (!frame) return;
    try {
      frame.contentWindow.location.reload();
    } catch (e) {
      frame.src = frame.src;
    }
  }
  // Sent by the server (HX-Trigger) after the draft has been saved.
  document.addEventListener("designer-saved", reloadPreview);

  // Language and layer of the preview: the form loads into the iframe; here on every change.
  const controls = document.querySelector("[data-preview-controls]");
  if (controls) {
    controls.addEventListener("change", function () {
      controls.requestSubmit();
    });
  }

  // Catalog: filter by text and category without a round trip.
  const search = document.querySelector("[data-catalog-search]");
  const category = document.querySelector("[data-catalog-category]");
  const count = document.querySelector("[data-catalog-count]");
  const rows = Array.prototype.slice.call(document.querySelectorAll(".designer-catalog > li"));
  function filter() {
    const words = (search ? search.value : "").toLowerCase().split(/\s+/).filter(Boolean);
    const wanted = category ? category.value : "";
    let shown = 0;
    rows.forEach(function (row) {
      const text = row.dataset.search || "";
      const match =
        (!wanted || row.dataset.category === wanted) &&
        words.every(function (word) {
          return text.indexOf(word) !== -1;
        });
      row.hidden = !match;
      if (match) shown += 1;
    });
    if (count) count.textContent = shown + " / " + rows.length;
  }
  if (search) search.addEventListener("input", filter);
  if (category) category.addEventListener("change", filter);

  // The embed snippet: copy to the clipboard, or select it where the clipboard is refused.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      const source = document.getElementById(button.dataset.copy);
      if (!source) return;
      const label = button.textContent;
      const done = function () {
        button.textContent = button.dataset.copied || label;
        setTimeout(function () {
          button.textContent = label;
        }, 2000);
      };
      const select = function () {
        const range = document.createRange();
        range.selectNodeContents(source);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(source.textContent).then(done, select);
      } else {
        select();
      }
    });
  });
})();
