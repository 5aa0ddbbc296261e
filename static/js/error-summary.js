// Progressive enhancement: after a submission with errors, move focus to the error summary so
// keyboard and screen-reader users start there. Without JavaScript the summary is still first.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
});
