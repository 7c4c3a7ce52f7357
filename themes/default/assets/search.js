// Course search: the index is a script (search-index.js), so search also works from file://.
(function () {
  "use strict";
  var input = document.getElementById("search-input");
  var list = document.getElementById("search-results");
  if (!input || !list) return;
  var root = document.documentElement.getAttribute("data-root") || "";
  var index = null;
  var loading = false;
  var active = -1;
  var LIMIT = 10;

  function load(then) {
    if (index) return then();
    if (loading) return;
    loading = true;
    var script = document.createElement("script");
    script.src = root + "_assets/search-index.js";
    script.onload = function () { index = window.trustdocsSearchIndex || []; then(); };
    document.head.appendChild(script);
  }

  function words(text) {
    // Lowercase, punctuation to spaces, padded: " word" then finds words that start with a term.
    return " " + text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ") + " ";
  }

  function terms(query) {
    return words(query).split(" ").filter(function (t) { return t.length > 0; });
  }

  function prepare(page) {
    if (!page.w) {
      page.w = { title: words(page.t), text: words(page.d + " " + page.b), headings: page.h.map(function (h) { return words(h[0]); }) };
    }
    return page.w;
  }

  function score(page, query) {
    var w = prepare(page), phrase = " " + query.join(" ");
    var total = 0, heading = null;
    for (var h = 0; h < w.headings.length; h++) {
      if (w.headings[h].indexOf(phrase) !== -1) { heading = page.h[h]; total += 20; break; }
    }
    if (w.title.indexOf(phrase) !== -1) total += 30;
    for (var i = 0; i < query.length; i++) {
      var term = " " + query[i], found = 0;
      if (w.title.indexOf(term) !== -1) found += 10;
      for (var k = 0; k < w.headings.length; k++) {
        if (w.headings[k].indexOf(term) !== -1) {
          found += 4;
          if (!heading) heading = page.h[k];
          break;
        }
      }
      if (w.text.indexOf(term) !== -1) found += 1;
      if (!found) return null;
      total += found;
    }
    return { page: page, score: total, heading: heading };
  }

  function matcher(query) {
    var escaped = query.map(function (t) { return t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); });
    return new RegExp("(?<![\\p{L}\\p{N}])(?:" + escaped.join("|") + ")", "giu");
  }

  function snippet(page, query) {
    var text = page.b || page.d, found = matcher(query).exec(text);
    if (!found) return page.d;
    var start = Math.max(0, found.index - 60);
    return (start > 0 ? "…" : "") + text.slice(start, found.index + 100) + "…";
  }

  function mark(element, text, query) {
    // Text nodes and <mark> elements only: page text never goes through innerHTML.
    var pattern = matcher(query), pos = 0, found;
    while ((found = pattern.exec(text)) !== null) {
      element.appendChild(document.createTextNode(text.slice(pos, found.index)));
      var highlight = document.createElement("mark");
      highlight.textContent = found[0];
      element.appendChild(highlight);
      pos = found.index + found[0].length;
      if (!found[0].length) pattern.lastIndex++;
    }
    element.appendChild(document.createTextNode(text.slice(pos)));
  }

  function show() {
    var query = terms(input.value);
    list.textContent = "";
    active = -1;
    if (!query.length || !index) { close(); return; }
    var hits = [];
    for (var i = 0; i < index.length; i++) {
      var hit = score(index[i], query);
      if (hit) hits.push(hit);
    }
    hits.sort(function (a, b) { return b.score - a.score || a.page.t.localeCompare(b.page.t); });
    if (!hits.length) {
      var empty = document.createElement("li");
      empty.className = "search-empty";
      empty.textContent = "No lesson mentions “" + input.value.trim() + "”.";
      list.appendChild(empty);
    }
    hits.slice(0, LIMIT).forEach(function (hit) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = root + hit.page.u + (hit.heading ? "#" + hit.heading[1] : "");
      var title = document.createElement("span");
      title.className = "search-title";
      mark(title, hit.page.t + (hit.heading ? " › " + hit.heading[0] : ""), query);
      var text = document.createElement("span");
      text.className = "search-snippet";
      mark(text, snippet(hit.page, query), query);
      link.appendChild(title);
      link.appendChild(text);
      item.appendChild(link);
      list.appendChild(item);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
  }

  function move(step) {
    var links = list.querySelectorAll("a");
    if (!links.length) return;
    active = (active + step + links.length) % links.length;
    links.forEach(function (a, i) { a.classList.toggle("active", i === active); });
  }

  input.addEventListener("focus", function () { load(show); });
  input.addEventListener("input", function () { load(show); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { event.preventDefault(); move(1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); move(-1); }
    else if (event.key === "Escape") { close(); input.blur(); }
    else if (event.key === "Enter") {
      var links = list.querySelectorAll("a");
      if (links.length) location.href = links[Math.max(active, 0)].href;
    }
  });
  document.addEventListener("keydown", function (event) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if (event.key === "/" && !typing) { event.preventDefault(); input.focus(); }
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest(".search")) close();
  });
})();
