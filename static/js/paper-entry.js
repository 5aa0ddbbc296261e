// Paper entry: on a question row, typing a code (1-6, 9, or a background option's number) picks it
// and moves focus to the next row, so a pile of forms is typed with digits and Tab only.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches(".paper-row input[type=radio]")) return;
    if (event.ctrlKey || event.metaKey || event.altKey || event.key.length !== 1) return;
    var row = input.closest(".paper-row");
    var choice = row.querySelector('input[type=radio][data-key="' + event.key + '"]');
    if (!choice) return;
    event.preventDefault();
    choice.checked = true;
    choice.dispatchEvent(new Event("change", { bubbles: true }));
    var rows = Array.prototype.slice.call(document.querySelectorAll(".paper-row"));
    var next = rows[rows.indexOf(row) + 1];
    if (next) {
      (next.querySelector("input:checked") || next.querySelector("input[type=radio]")).focus();
    } else {
      var after = document.querySelector(".paper-entry textarea, .paper-entry button[type=submit]");
      if (after) after.focus();
    }
  });
})();
