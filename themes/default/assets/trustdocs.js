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
  var printNow = document.querySelector(".print-now");
  if (printNow) {
    printNow.hidden = false;
    printNow.addEventListener("click", function () { window.print(); });
  }

  // The outline marks the section being read: the last heading above the top fifth of the window.
  var outlineLinks = Array.prototype.slice.call(document.querySelectorAll(".outline a[href^='#']"));
  var targets = outlineLinks.map(function (a) {
    return document.getElementById(decodeURIComponent(a.getAttribute("href").slice(1)));
  });
  function markReading() {
    var line = window.innerHeight / 5, reading = -1;
    targets.forEach(function (heading, i) {
      if (heading && heading.getBoundingClientRect().top <= line) reading = i;
    });
    outlineLinks.forEach(function (a, i) {
      if (i === reading) a.setAttribute("aria-current", "location");
      else a.removeAttribute("aria-current");
    });
  }
  if (outlineLinks.length) {
    window.addEventListener("scroll", markReading, { passive: true });
    markReading();
  }

  var current = sidebar && sidebar.querySelector("[aria-current=page]");
  if (current && current.scrollIntoView && sidebar.scrollHeight > sidebar.clientHeight) {
    current.scrollIntoView({ block: "center" });
  }
})();
