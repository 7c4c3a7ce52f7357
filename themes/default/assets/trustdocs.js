// Small enhancements; every page reads fine without them.
(function () {
  "use strict";
  var toggle = document.querySelector(".menu-toggle");
  var sidebar = document.getElementById("sidebar");
  if (toggle && sidebar) {
    toggle.addEventListener("click", function () {
      var open = document.body.classList.toggle("sidebar-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  } else if (toggle) {
    toggle.hidden = true;
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.unfold");
    if (!button) return;
    var fold = button.parentElement;
    fold.classList.add("open");
    button.setAttribute("aria-expanded", "true");
  });
  var current = sidebar && sidebar.querySelector("[aria-current=page]");
  if (current && current.scrollIntoView && sidebar.scrollHeight > sidebar.clientHeight) {
    current.scrollIntoView({ block: "center" });
  }
})();
