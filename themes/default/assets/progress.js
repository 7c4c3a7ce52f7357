// Learner progress, kept in this browser (localStorage): lessons marked done get a check in the sidebar,
// the course home shows how far along the learner is and where they left off, and can forget it all.
// Works from file:// as well as over HTTP.
//
// Knowledge checks: a lesson with checks (<section class="check" data-check-id="…">) counts as done
// once every check on it is answered. The script that runs the checks marks an answered check with
// the attribute data-answered and dispatches a bubbling "trustdocs:check-answered" event from it;
// this script does the rest. Stored state for checks belongs under a key that starts with
// "trustdocs-" and ends with ":" + the site root, so that "Reset progress" forgets it too.
(function () {
  "use strict";
  var root = new URL(document.documentElement.getAttribute("data-root") || "./", location.href).href;
  var storeKey = "trustdocs-progress:" + root;
  var lastKey = "trustdocs-last:" + root;
  var lastTitleKey = "trustdocs-last-title:" + root;

  function keyOf(href) {
    var url = new URL(href, location.href);
    url.hash = "";
    url.search = "";
    return canonical(url.href.indexOf(root) === 0 ? url.href.slice(root.length) : null);
  }

  // A lesson's key is its page's path from the site root, as the site links to it: a host that
  // serves pages without ".html" (Cloudflare Pages; any host, for a link typed without it) or a
  // folder's page without "index.html" shows the same lesson at another address.
  function canonical(key) {
    if (key === null) return null;
    if (key === "" || key.slice(-1) === "/") return key + "index.html";
    return /\.html$/.test(key) ? key : key + ".html";
  }

  function lastVisited() {
    var last = read(lastKey);
    return last === null ? null : canonical(last);
  }

  function read(key) {
    try { return localStorage.getItem(key); } catch (e) { return null; }
  }

  function write(key, value) {
    try { localStorage.setItem(key, value); } catch (e) { /* private mode */ }
  }

  function load() {
    var kept, done = {};
    try { kept = JSON.parse(read(storeKey)) || {}; } catch (e) { return {}; }
    // Kept by an earlier version under the address the browser showed, perhaps without ".html".
    Object.keys(kept).forEach(function (key) { done[canonical(key)] = kept[key]; });
    return done;
  }

  function save(done) {
    write(storeKey, JSON.stringify(done));
  }

  // The knowledge checks' answers of lessons renamed (RENAMED: each one's old page → its new),
  // kept under each check's id, its page's name and number ("course/old:1"), by checks.js: read
  // once, and written again only when some were kept under an old name.
  function moveAnswers(renamed) {
    var checksKey = "trustdocs-checks:" + root;
    var answers, kept = read(checksKey);
    if (!kept) return;
    try { answers = JSON.parse(kept) || {}; } catch (e) { return; }
    var names = {};
    Object.keys(renamed).forEach(function (from) {
      names[safeDecode(from.replace(/\.html$/, ""))] = safeDecode(renamed[from].replace(/\.html$/, ""));
    });
    var changed = false;
    Object.keys(answers).forEach(function (id) {
      var colon = id.lastIndexOf(":"), oldName = id.slice(0, colon);
      if (colon < 0 || !Object.prototype.hasOwnProperty.call(names, oldName)) return;
      var moved = names[oldName] + id.slice(colon);
      if (!(moved in answers)) answers[moved] = answers[id];
      delete answers[id];
      changed = true;
    });
    if (changed) write(checksKey, JSON.stringify(answers));
  }

  function safeDecode(path) {
    try { return decodeURIComponent(path); } catch (e) { return path; }
  }

  function forgetEverything() {
    try {
      var keys = [];
      for (var i = 0; i < localStorage.length; i++) keys.push(localStorage.key(i));
      keys.forEach(function (key) {
        if (key.indexOf("trustdocs-") === 0 && key.slice(-(root.length + 1)) === ":" + root) {
          localStorage.removeItem(key);
        }
      });
    } catch (e) { /* storage unavailable: nothing was kept */ }
  }

  var here = keyOf(location.href);
  var done = load();
  var links = Array.prototype.slice.call(document.querySelectorAll("#sidebar ul a"));
  var heading = document.querySelector(".page-title");
  // A lesson (it can be marked done), at any depth of the course: where the learner left off.
  if (document.querySelector(".mark-done") || links.some(function (link) { return keyOf(link.href) === here; })) {
    write(lastKey, here);
    write(lastTitleKey, heading ? heading.textContent.trim() : document.title);
  }

  var summary = document.querySelector(".course-progress");
  // The home page lists every lesson of the course (the sidebar shows its first level only).
  var listed = summary && summary.getAttribute("data-lessons");
  var lessons = listed && listed.trim()
    ? listed.trim().split(/\s+/).map(keyOf)
    : links.map(function (link) { return keyOf(link.href); });
  // Each lesson's title as the course shows it now, in step with the lessons.
  var titles = [];
  try {
    titles = JSON.parse((summary && summary.getAttribute("data-titles")) || "[]");
  } catch (error) {
    titles = [];
  }
  // Every page names the old address of each renamed lesson with its new one (a theme of an
  // earlier version, the home page alone).
  var movedList = document.documentElement.getAttribute("data-moved") ||
    (summary && summary.getAttribute("data-moved")) || "";
  var moved = movedList.trim().split(/\s+/);
  var migrated = false, renamed = {}, last = lastVisited();
  for (var m = 0; m + 1 < moved.length; m += 2) {
    var from = keyOf(moved[m]), to = keyOf(moved[m + 1]);
    if (!from || !to) continue;
    renamed[from] = to;
    if (done[from]) {
      done[to] = done[to] || done[from];
      delete done[from];
      migrated = true;
    }
    if (last === from) {
      write(lastKey, to);
      last = to;
      // Its title as the course shows it now, where the sidebar shows the lesson.
      var listedAs = links.filter(function (link) { return keyOf(link.href) === to; })[0];
      if (listedAs) write(lastTitleKey, listedAs.textContent.trim());
    }
  }
  if (moved.length > 1) moveAnswers(renamed);
  if (migrated) save(done);
  var continueLink = summary && summary.querySelector(".course-continue");
  var startHref = continueLink && continueLink.getAttribute("href");
  var startLabel = continueLink && continueLink.querySelector(".course-continue-label").textContent;
  var startTitle = continueLink && continueLink.querySelector(".course-continue-title").textContent;
  var reset = summary && summary.querySelector(".reset-progress");

  function paint() {
    links.forEach(function (link) {
      link.parentElement.classList.toggle("done", !!done[keyOf(link.href)]);
    });
    var finished = lessons.filter(function (key) { return !!done[key]; }).length;
    var button = document.querySelector(".mark-done");
    if (button) {
      var isDone = !!done[here];
      button.setAttribute("aria-pressed", isDone ? "true" : "false");
      button.textContent = isDone ? "✓ Done — mark as not done" : "Mark this lesson as done";
    }
    if (summary && lessons.length) {
      summary.querySelector(".course-progress-text").textContent =
        "You have finished " + finished + " of " + lessons.length + " lessons.";
      var bar = summary.querySelector("progress");
      bar.max = lessons.length;
      bar.value = finished;
      var last = lastVisited();
      var known = last && lessons.indexOf(last) !== -1 ? last : null;
      if (continueLink) {
        // "./": a lesson's path from the site root is never read as a scheme (`javascript:…`).
        continueLink.href = known ? new URL("./" + known, root).href : startHref;
        continueLink.querySelector(".course-continue-label").textContent =
          known ? "Continue where you left off" : startLabel;
        continueLink.querySelector(".course-continue-title").textContent =
          known ? titles[lessons.indexOf(known)] || read(lastTitleKey) || known : startTitle;
      }
      // Anything kept can be forgotten, lessons since removed from the course too.
      if (reset) reset.disabled = !Object.keys(done).length && !read(lastKey);
    }
  }

  var button = document.querySelector(".mark-done");
  if (button) {
    button.addEventListener("click", function () {
      if (done[here]) delete done[here]; else done[here] = 1;
      save(done);
      paint();
    });
  }

  if (reset) {
    reset.addEventListener("click", function () {
      var sure = window.confirm(
        "Forget which lessons you have finished and where you left off? This cannot be undone.");
      if (!sure) return;
      forgetEverything();
      done = {};
      paint();
    });
  }

  // Knowledge checks: answering the last open check on a lesson finishes it.
  var checks = document.querySelectorAll(".check[data-check-id]");
  if (checks.length && button) {
    var note = document.createElement("span");
    note.className = "lesson-end-note";
    note.textContent = checks.length === 1
      ? "Answer the question above to finish this lesson."
      : "Answer the " + checks.length + " questions above to finish this lesson.";
    button.parentNode.insertBefore(note, button);
  }
  document.addEventListener("trustdocs:check-answered", function () {
    var open = document.querySelectorAll(".check[data-check-id]:not([data-answered])");
    if (checks.length && !open.length && !done[here]) {
      done[here] = 1;
      save(done);
      paint();
    }
  });

  window.addEventListener("storage", function (event) {
    if (event.key === storeKey || event.key === lastKey || event.key === lastTitleKey || event.key === null) {
      done = load();
      paint();
    }
  });
  paint();
})();
