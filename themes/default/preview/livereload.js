// Preview only (trustdocs serve): reload this page when its HTML changes, show build errors on top.
(function () {
  "use strict";
  var path = location.pathname;
  try {
    path = decodeURIComponent(path); // as rebuild events name pages: /café.html, not /caf%C3%A9.html
  } catch (error) {
    // an address no page has: compared as it is
  }
  var here = path.endsWith("/") ? path + "index.html" : path;
  // Which HTML of this page was served: the preview says at once if it is no longer the page's.
  var served = document.currentScript ? document.currentScript.getAttribute("data-served") : null;
  var scrollKey = "trustdocs-scroll:" + here;
  var saved = sessionStorage.getItem(scrollKey);
  if (saved !== null) {
    sessionStorage.removeItem(scrollKey);
    window.addEventListener("load", function () { window.scrollTo(0, parseInt(saved, 10) || 0); });
  }
  var overlay = null;

  function reload() {
    sessionStorage.setItem(scrollKey, String(window.scrollY));
    location.reload();
  }

  function showErrors(errors, kept) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "trustdocs-errors";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText =
        "position:fixed;inset:auto 1rem 1rem 1rem;max-height:60vh;overflow:auto;z-index:2147483647;" +
        "background:#2b1214;color:#ffe3e3;border:2px solid #ff6b6b;border-radius:10px;padding:1rem 1.25rem;" +
        "font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;box-shadow:0 10px 40px rgba(0,0,0,.4)";
      document.body.appendChild(overlay);
    }
    overlay.textContent = "";
    var title = document.createElement("strong");
    title.textContent = "The site has " + errors.length + " error" + (errors.length === 1 ? "" : "s") +
      (kept === false ? ": nothing is built until they are fixed" : ": showing the last good build");
    title.style.cssText = "display:block;margin-bottom:.5rem;color:#ff8787;font-family:system-ui,sans-serif";
    overlay.appendChild(title);
    var list = document.createElement("ul");
    list.style.cssText = "margin:0;padding-left:1.2rem";
    errors.forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    });
    overlay.appendChild(list);
  }

  var version = null; // of the last build this tab was told of

  function handle(report, initial) {
    // Another build (a rebuild, or one missed while the stream was down): the page's scripts drop
    // what they loaded of site-wide files (search.js, the index).
    if (version !== null && report.version !== version) {
      document.dispatchEvent(new CustomEvent("trustdocs:site-changed"));
    }
    version = report.version;
    if (report.errors.length) {
      showErrors(report.errors, report.kept);
      return;
    }
    var hadErrors = overlay !== null;
    if (overlay) {
      overlay.remove();
      overlay = null;
    }
    // A page shown in place of one not built yet: the errors went before this tab connected.
    var waiting = document.querySelector('meta[name="trustdocs-waiting"]') !== null;
    // Saved again between serving this HTML and this stream's start: no rebuild event will say it.
    var stale = initial && report.stale === true;
    if (waiting || stale || (!initial && (hadErrors || report.changed.indexOf(here) !== -1))) reload();
  }

  var events = "/_trustdocs/events" + (served ? "?served=" + encodeURIComponent(served) : "");
  var source = new EventSource(events);
  source.addEventListener("hello", function (event) { handle(JSON.parse(event.data), true); });
  source.addEventListener("rebuild", function (event) { handle(JSON.parse(event.data), false); });
})();
