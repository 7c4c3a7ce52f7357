// Small enhancements; every page reads fine without them.
(function () {
  "use strict";
  // Light or dark, on top of the system's preference: choosing the scheme the system already asks
  // for forgets the choice, so the page follows the system again.
  var themeToggle = document.querySelector(".theme-toggle");
  var systemDark = window.matchMedia("(prefers-color-scheme: dark)");
  var root = document.documentElement;
  function isDark() {
    var chosen = root.getAttribute("data-theme");
    return chosen ? chosen === "dark" : systemDark.matches;
  }
  function showTheme() {
    if (themeToggle) themeToggle.setAttribute("aria-pressed", isDark() ? "true" : "false");
  }
  if (themeToggle) {
    themeToggle.addEventListener("click", function () {
      var dark = !isDark();
      try {
        if (dark === systemDark.matches) localStorage.removeItem("trustdocs-theme");
        else localStorage.setItem("trustdocs-theme", dark ? "dark" : "light");
      } catch (e) { /* not remembered: this page still switches */ }
      if (dark === systemDark.matches) root.removeAttribute("data-theme");
      else root.setAttribute("data-theme", dark ? "dark" : "light");
      showTheme();
    });
    if (systemDark.addEventListener) systemDark.addEventListener("change", showTheme);
    window.addEventListener("storage", function (event) {
      if (event.key !== "trustdocs-theme" && event.key !== null) return;
      if (event.newValue === "light" || event.newValue === "dark") {
        root.setAttribute("data-theme", event.newValue);
      } else {
        root.removeAttribute("data-theme");
      }
      showTheme();
    });
    showTheme();
  }

  var toggle = document.querySelector(".menu-toggle");
  var sidebar = document.getElementById("sidebar");
  if (toggle && sidebar) {
    // On a phone the course tree is a drawer: Escape, a tap outside it or moving focus out of it
    // closes it, and focus goes back to the button that opened it.
    var isOpen = function () { return document.body.classList.contains("sidebar-open"); };
    var setOpen = function (open, focusToggle) {
      document.body.classList.toggle("sidebar-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) {
        var first = sidebar.querySelector("[aria-current=page]") || sidebar.querySelector("a");
        if (first) first.focus();
      } else if (focusToggle) {
        toggle.focus();
      }
    };
    toggle.addEventListener("click", function () { setOpen(!isOpen(), false); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && isOpen()) setOpen(false, true);
    });
    document.addEventListener("click", function (event) {
      if (isOpen() && !sidebar.contains(event.target) && !toggle.contains(event.target)) {
        setOpen(false, true);
      }
    });
    sidebar.addEventListener("focusout", function (event) {
      var to = event.relatedTarget;
      if (isOpen() && to && !sidebar.contains(to) && to !== toggle) setOpen(false, false);
    });
    var wide = window.matchMedia("(min-width: 52.01rem)");
    var onResize = function () { if (wide.matches && isOpen()) setOpen(false, false); };
    if (wide.addEventListener) wide.addEventListener("change", onResize);
  } else if (toggle) {
    toggle.hidden = true;
  }

  // Choosing a section in the in-page outline folds the outline away before the page scrolls.
  document.querySelectorAll(".outline-inline a").forEach(function (link) {
    link.addEventListener("click", function () { link.closest("details").open = false; });
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.unfold");
    if (!button) return;
    var fold = button.parentElement;
    fold.classList.add("open");
    button.setAttribute("aria-expanded", "true");
  });
  // Code blocks: the language on the block and a copy button. Their room is kept by CSS under the
  // .js class, so adding them moves nothing.
  var codeBlocks = document.querySelectorAll("pre.highlight");
  var status = null;
  function announce(text) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 30);
  }
  function codeText(code) {
    var copy = code.cloneNode(true);
    copy.querySelectorAll(".unfold").forEach(function (button) { button.remove(); });
    return copy.textContent.replace(/\n$/, "");
  }
  function copyWithSelection(text) {
    // Without the Clipboard API (older browsers, some file:// pages): copy a selected textarea.
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.top = "-100vh";
    document.body.appendChild(area);
    area.select();
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
    area.remove();
    return copied;
  }
  function copyCode(button, code) {
    var text = codeText(code);
    var done = function () {
      button.textContent = "Copied";
      announce("Copied");
      window.setTimeout(function () { button.textContent = "Copy"; }, 2000);
    };
    var failed = function () {
      window.getSelection().selectAllChildren(code);
      announce("Copying is blocked here: the code is selected, press Ctrl+C or ⌘C to copy it.");
    };
    var fallback = function () {
      var copied = copyWithSelection(text);
      button.focus();  // the textarea took focus for the copy
      if (copied) done(); else failed();
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
  }
  if (codeBlocks.length) {
    status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    document.body.appendChild(status);
  }
  codeBlocks.forEach(function (pre) {
    var code = pre.querySelector("code");
    if (!code) return;
    var frame = document.createElement("div");
    frame.className = "code-frame";
    pre.parentNode.insertBefore(frame, pre);
    frame.appendChild(pre);
    var language = /(?:^|\s)language-(\S+)/.exec(code.className);
    if (language) {
      var label = document.createElement("span");
      label.className = "code-language";
      label.textContent = language[1];
      frame.appendChild(label);
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-code";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy code" + (language ? " (" + language[1] + ")" : ""));
    button.addEventListener("click", function () { copyCode(button, code); });
    frame.appendChild(button);
  });

  // Printing opens every closed <details> (answers included), and closes them again afterwards.
  var openedForPrint = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll(".body details:not([open])").forEach(function (details) {
      details.open = true;
      openedForPrint.push(details);
    });
  });
  window.addEventListener("afterprint", function () {
    openedForPrint.forEach(function (details) { details.open = false; });
    openedForPrint = [];
  });

  var printNow = document.querySelector(".print-now");
  if (printNow) {
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
  if (current && sidebar.scrollHeight > sidebar.clientHeight) {
    // The current page's entry in the middle of the sidebar, by scrolling the sidebar alone:
    // scrollIntoView would also move where the first Tab starts, past the skip link.
    var entry = current.getBoundingClientRect(), frame = sidebar.getBoundingClientRect();
    sidebar.scrollTop += entry.top - frame.top - (sidebar.clientHeight - entry.height) / 2;
  }
})();
