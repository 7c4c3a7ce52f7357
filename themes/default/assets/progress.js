// Learner progress, kept in this browser (localStorage): lessons marked done get a check in the sidebar,
// and the course home shows how far along the learner is. Works from file:// as well as over HTTP.
(function () {
  "use strict";
  var root = new URL(document.documentElement.getAttribute("data-root") || "./", location.href).href;
  var storeKey = "trustdocs-progress:" + root;

  function keyOf(href) {
    var url = new URL(href, location.href);
    url.hash = "";
    url.search = "";
    var key = url.href.indexOf(root) === 0 ? url.href.slice(root.length) : null;
    if (key === "" || (key && key.slice(-1) === "/")) key += "index.html";
    return key;
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey)) || {}; } catch (e) { return {}; }
  }

  function save(done) {
    try { localStorage.setItem(storeKey, JSON.stringify(done)); } catch (e) { /* private mode */ }
  }

  var here = keyOf(location.href);
  var done = load();

  function paint() {
    var links = document.querySelectorAll("#sidebar ul a");
    var finished = 0;
    links.forEach(function (link) {
      var isDone = !!done[keyOf(link.href)];
      link.parentElement.classList.toggle("done", isDone);
      if (isDone) finished += 1;
    });
    var button = document.querySelector(".mark-done");
    if (button) {
      var isDone = !!done[here];
      button.setAttribute("aria-pressed", isDone ? "true" : "false");
      button.textContent = isDone ? "✓ Done — mark as not done" : "Mark this lesson as done";
    }
    var summary = document.querySelector(".course-progress");
    if (summary && links.length) {
      summary.hidden = false;
      summary.querySelector(".course-progress-text").textContent =
        finished === 0 ? "You have not finished any of the " + links.length + " lessons yet."
          : "You have finished " + finished + " of " + links.length + " lessons.";
      var bar = summary.querySelector("progress");
      bar.max = links.length;
      bar.value = finished;
    }
  }

  var button = document.querySelector(".mark-done");
  if (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      if (done[here]) delete done[here]; else done[here] = 1;
      save(done);
      paint();
    });
  }
  var next = document.querySelector("a[rel=next].pager-next");
  if (next && button) {
    next.addEventListener("click", function () { done[here] = 1; save(done); });
  }
  window.addEventListener("storage", function (event) {
    if (event.key === storeKey) { done = load(); paint(); }
  });
  paint();
})();
