// Progressive enhancement: a table wrapper that scrolls sideways (narrow screens) becomes a
// focusable, labelled region so keyboard users can scroll it with the arrow keys (WCAG 2.1.1).
(function () {
  function update() {
    var regions = document.querySelectorAll(".table-scroll");
    for (var i = 0; i < regions.length; i++) {
      var region = regions[i];
      if (region.dataset.static === "true") continue;
      if (region.scrollWidth > region.clientWidth) {
        if (!region.hasAttribute("tabindex")) {
          region.setAttribute("tabindex", "0");
          region.dataset.added = "true";
        }
        if (!region.hasAttribute("role")) region.setAttribute("role", "region");
        var caption = region.querySelector("caption");
        if (!region.hasAttribute("aria-label") && !region.hasAttribute("aria-labelledby") && caption) {
          region.setAttribute("aria-label", caption.textContent.trim());
        }
      } else if (region.dataset.added === "true") {
        region.removeAttribute("tabindex");
        delete region.dataset.added;
      }
    }
  }
  document.addEventListener("DOMContentLoaded", update);
  window.addEventListener("resize", update);
})();
