// Course search. The index (written by search.py) is a manifest, term shards and the pages' texts
// (a few pages a file), all scripts: a query loads the manifest, the shards its words fall in and
// the texts of the pages it shows, with <script> tags, so search also works from file://.
(function () {
  "use strict";
  var box = document.querySelector("[data-search-index]");
  var input = document.getElementById("search-input");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  if (!box || !input || !list || !status) return;
  var manifestUrl = box.getAttribute("data-search-index");
  var folder = manifestUrl.slice(0, manifestUrl.lastIndexOf("/") + 1);
  var root = document.documentElement.getAttribute("data-root") || "";

  var LIMIT = 10;
  var PREFIX_SHARDS = 3; // a short prefix spans many shards: look for its words in the first few
  var MAX_WORD_LENGTH = 60; // as search.py
  var KIND = { exact: 1, guess: 0.7, prefix: 0.3 };
  var TITLE = 6, HEADING = 3, TEXT = 1;
  var WORD = /[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu; // as search.py's WORD

  // What this page has loaded of the index. The preview tells the page when the site changed
  // (livereload.js): the index is loaded again, and a file of the one before that arrives late
  // is ignored (its page numbers are those of another index).
  var data, loads, generation = 0;

  // A host may let the browser keep files for minutes (GitHub Pages: ten). The manifest is asked
  // for afresh by each page (and after each change the preview reports), and names the build of
  // the index: the shards and texts are asked for under that name, never mixed with another's.
  var fetched;

  function forget() {
    generation++;
    fetched = Date.now() + "-" + generation;
    data = { manifest: null, shards: {}, pages: {} };
    loads = {};
  }
  forget();

  function built() {
    return data.manifest.build ? "?v=" + data.manifest.build : "";
  }

  function load(url) {
    var own = loads;
    if (!own[url]) {
      own[url] = new Promise(function (resolve) {
        var script = document.createElement("script");
        script.src = url;
        script.trustdocsGeneration = generation;
        script.onload = function () { resolve(true); };
        script.onerror = function () { delete own[url]; script.remove(); resolve(false); };
        document.head.appendChild(script);
      });
    }
    return own[url];
  }

  function current() {
    var script = document.currentScript;
    return !script || script.trustdocsGeneration === undefined ||
      script.trustdocsGeneration === generation;
  }

  function words(text) {
    var found = text.normalize("NFC").toLowerCase().replace(/\u2019/g, "'").match(WORD) || [];
    return found.filter(function (w) { return w.length <= MAX_WORD_LENGTH; });
  }

  // --- finding the stems a query word stands for -------------------------------------------------

  function shardOf(key) {
    // The last shard whose first key is <= KEY (the manifest lists them sorted).
    var firsts = data.manifest.shards, low = 0, high = firsts.length - 1;
    while (low < high) {
      var middle = (low + high + 1) >> 1;
      if (firsts[middle] <= key) low = middle; else high = middle - 1;
    }
    return low;
  }

  function shardsFor(from, to) {
    var first = shardOf(from), last = Math.min(shardOf(to), first + PREFIX_SHARDS - 1), numbers = [];
    for (var n = first; n <= last; n++) numbers.push(n);
    return numbers;
  }

  function loadShards(numbers) {
    var count = data.manifest.shards.length; // none when no page is visible
    return Promise.all(numbers.filter(function (n) { return n < count; }).map(function (n) {
      return load(folder + "terms/" + n + ".js" + built());
    })).then(function () {
      return numbers.map(function (n) { return data.shards[n] || { p: {}, w: {} }; });
    });
  }

  function keysWithPrefix(shards, prefix, each) {
    shards.forEach(function (shard) {
      ["p", "w"].forEach(function (kind) {
        for (var key in shard[kind]) {
          if (key.lastIndexOf(prefix, 0) === 0) each(key, kind === "w" ? shard.w[key] : key);
        }
      });
    });
  }

  function commonPrefix(a, b) {
    var n = 0;
    while (n < a.length && n < b.length && a[n] === b[n]) n++;
    return n;
  }

  // A query word → {stem: kind}: "exact" when the course uses the word; else "guess" for a stem
  // that shares all but its ending ("meeting", never written, and "meet" from "meetings"); and
  // "prefix" for the words it begins (the word being typed).
  function resolve(word) {
    var stemPart = word.slice(0, Math.max(4, word.length - 3));
    return loadShards(shardsFor(word, word + "\uffff")).then(function (shards) {
      var matches = {};
      var own = shards[0];
      var stem = own.w[word] || (own.p[word] ? word : null);
      if (stem) matches[stem] = "exact";
      if (stem || word.length < 4) return [shards, matches];
      return loadShards(shardsFor(stemPart, stemPart + "\uffff")).then(function (near) {
        keysWithPrefix(near, stemPart, function (key, stem) {
          if (key === stem && commonPrefix(stem, word) >= stem.length - 1) matches[stem] = "guess";
        });
        return [shards, matches];
      });
    }).then(function (found) {
      var matches = found[1];
      if (word.length >= 2) {
        keysWithPrefix(found[0], word, function (key, stem) {
          if (!matches[stem]) matches[stem] = "prefix";
        });
      }
      return matches;
    });
  }

  function postingsOf(stems) {
    var numbers = [];
    stems.forEach(function (stem) {
      var n = shardOf(stem);
      if (numbers.indexOf(n) === -1) numbers.push(n);
    });
    return loadShards(numbers).then(function () {
      var found = {};
      stems.forEach(function (stem) {
        var shard = data.shards[shardOf(stem)];
        if (shard && shard.p[stem]) found[stem] = shard.p[stem];
      });
      return found;
    });
  }

  // --- ranking -----------------------------------------------------------------------------------

  function eachSection(postings, visit) {
    var page = 0;
    for (var i = 0; i < postings.length; i += 2) {
      page += postings[i];
      var mask = postings[i + 1];
      for (var section = 0; mask > 0; section++) {
        if (mask % 2) visit(page, section);
        mask = Math.floor(mask / 2); // masks go past 32 bits: no bitwise operators
      }
    }
  }

  // Rank pages: a section holding every word first, then pages holding more of the words, then
  // whole-word matches over prefix matches, then weight (title over heading over text; rare words
  // count more than common ones).
  function rank(terms, matchesPerTerm, postings) {
    var pages = {};
    function hit(page, section, term, weight, whole, heading) {
      var entry = pages[page] || (pages[page] = { page: page, title: [], sections: {} });
      var slots = section < 0 ? entry.title : (entry.sections[section] || (entry.sections[section] = []));
      var slot = slots[term] || (slots[term] = { weight: 0, whole: false, heading: false });
      slot.weight = Math.max(slot.weight, weight);
      slot.whole = slot.whole || whole;
      slot.heading = slot.heading || heading;
    }
    var total = data.manifest.pages || 1;
    matchesPerTerm.forEach(function (matches, term) {
      Object.keys(matches).forEach(function (stem) {
        var entry = postings[stem];
        if (!entry) return;
        var kind = matches[stem], whole = kind !== "prefix";
        // Postings are (page gap, mask) pairs, one per page: half their length is the page count.
        var rarity = Math.log(1 + total / Math.max(1, entry[1].length / 2, entry[2].length / 2));
        var weight = KIND[kind] * rarity;
        eachSection(entry[1], function (page, section) { hit(page, section, term, weight * TEXT, whole, false); });
        eachSection(entry[2], function (page, section) {
          if (section === 0) hit(page, -1, term, weight * TITLE, whole, true);
          else hit(page, section, term, weight * HEADING, whole, true);
        });
      });
    });
    var count = terms.length, ranked = [];
    Object.keys(pages).forEach(function (number) {
      var entry = pages[number], best = null, found = [];
      var sections = Object.keys(entry.sections);
      if (!entry.sections[0]) sections.push("0");
      sections.forEach(function (section) {
        var slots = entry.sections[section] || [], covered = 0, whole = 0, score = 0;
        var inHeading = 0, inTitle = 0;
        for (var term = 0; term < count; term++) {
          var here = slots[term], title = entry.title[term];
          if (!here && !title) continue;
          covered++;
          found[term] = true;
          if ((here && here.whole) || (title && title.whole)) whole++;
          if (here && here.heading) inHeading++;
          if (title) inTitle++;
          score += (here ? here.weight : 0) + (title ? title.weight : 0);
        }
        // Every word in one heading (or the title) is as close to a phrase match as the index knows.
        if (count > 1 && (inHeading === count || inTitle === count)) score *= 1.5;
        var key = [covered === count ? 1 : 0, covered, whole, score];
        if (covered && (!best || better(key, best.key))) best = { section: +section, key: key };
      });
      if (!best) return;
      var inPage = found.filter(Boolean).length;
      ranked.push({ page: +number, section: best.section, key: [best.key[0], inPage, best.key[2], best.key[3]] });
    });
    ranked.sort(function (a, b) { return better(a.key, b.key) ? -1 : better(b.key, a.key) ? 1 : a.page - b.page; });
    return ranked;
  }

  function better(a, b) {
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] > b[i];
    return false;
  }

  // --- one search: query text → results (also used by the tests) --------------------------------

  // A tab left open while the site was published again read the manifest of the build before:
  // a shard or texts file of another numbering of the pages, or a shard that begins elsewhere,
  // says so (`mixed`), and the search is made again with the new manifest.
  function search(query, wanted) {
    return searchOnce(query, wanted).then(function (found) {
      if (!data.mixed) return found;
      forget();
      return searchOnce(query, wanted);
    });
  }

  function checked(numbering, shard, first) {
    if (!data.manifest) return;
    if (numbering !== data.manifest.numbering ||
        (shard !== undefined && data.manifest.shards[shard] !== first)) data.mixed = true;
  }

  // WANTED, if given, is asked before the page texts are loaded: a query typed over stops there.
  function searchOnce(query, wanted) {
    var terms = [];
    words(query).forEach(function (w) { if (terms.indexOf(w) === -1) terms.push(w); });
    if (!terms.length) return Promise.resolve({ terms: terms, missing: [], results: [] });
    return load(manifestUrl + "?t=" + fetched).then(function (loaded) {
      if (!loaded || !data.manifest) throw new Error("the search index could not be loaded");
      return Promise.all(terms.map(resolve));
    }).then(function (matchesPerTerm) {
      var stems = [];
      matchesPerTerm.forEach(function (matches) {
        Object.keys(matches).forEach(function (stem) { if (stems.indexOf(stem) === -1) stems.push(stem); });
      });
      return postingsOf(stems).then(function (postings) {
        var ranked = rank(terms, matchesPerTerm, postings).slice(0, LIMIT);
        // Mark the words a term stands for as a whole word; its prefix matches only when there are none.
        var forms = [], termForms = [];
        matchesPerTerm.forEach(function (matches) {
          var found = Object.keys(matches).filter(function (stem) { return postings[stem]; });
          var whole = found.filter(function (stem) { return matches[stem] !== "prefix"; });
          var its = [];
          (whole.length ? whole : found).forEach(function (stem) { its = its.concat(postings[stem][0]); });
          forms = forms.concat(its);
          termForms.push(its);
        });
        var missing = terms.filter(function (term, i) {
          return !Object.keys(matchesPerTerm[i]).some(function (stem) { return postings[stem]; });
        });
        if (wanted && !wanted()) return null;
        return Promise.all(ranked.map(function (hit) {
          return load(folder + "pages/" + Math.floor(hit.page / (data.manifest.pagesPerFile || 1)) + ".js" + built());
        })).then(function () {
          return {
            terms: terms,
            missing: missing,
            results: ranked.filter(function (hit) { return data.pages[hit.page]; }).map(function (hit) {
              var page = data.pages[hit.page];
              hit.section = sectionShown(page.s, hit.section, termForms);
              var section = page.s[hit.section] || page.s[0];
              return {
                title: page.t,
                heading: hit.section ? section[0] : "",
                // The page's output path as a URL: each part escaped (a `#`, `?` or `%` in a
                // page's name), and never read as a scheme (`javascript:…` as a first part).
                url: page.u.split("/").map(encodeURIComponent).join("/") +
                  (hit.section && section[1] ? "#" + section[1] : ""),
                excerpt: excerpt(section[2] || page.s[0][2], forms),
                forms: forms,
                complete: hit.key[0] === 1
              };
            })
          };
        });
      });
    });
  }

  // The index gives each of a page's sections a bit of its own up to the last one, which the
  // sections from there on share: of those, the one that shows the most of the words searched
  // for (TERM_FORMS: the forms found of each), then the most of their forms.
  function sectionShown(sections, found, termForms) {
    var last = data.manifest.lastSectionBit || 52;
    if (found < last || sections.length <= last + 1) return found;
    var matchers = termForms.map(matcher).filter(Boolean);
    var best = found, most = [0, 0];
    for (var i = last; i < sections.length; i++) {
      var text = sections[i][0] + "\n" + sections[i][2], terms = 0, seen = {};
      matchers.forEach(function (pattern) {
        var hit = false;
        text.replace(pattern, function (word) { hit = true; seen[word.toLowerCase()] = 1; return word; });
        terms += hit;
      });
      var score = [terms, Object.keys(seen).length];
      if (score[0] > most[0] || (score[0] === most[0] && score[1] > most[1])) { best = i; most = score; }
    }
    return best;
  }

  function matcher(forms) {
    if (!forms.length) return null;
    var escaped = forms.slice(0, 300).map(function (form) {
      return form.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/'/g, "['\u2019]");
    });
    escaped.sort(function (a, b) { return b.length - a.length; });
    return new RegExp("(?<![\\p{L}\\p{N}])(?:" + escaped.join("|") + ")(?![\\p{L}\\p{N}])", "giu");
  }

  function excerpt(text, forms) {
    var pattern = matcher(forms), found = pattern && pattern.exec(text), start = 0;
    if (found && found.index > 60) {
      start = text.indexOf(" ", found.index - 60) + 1;
      if (start <= 0 || start > found.index) start = found.index;
    }
    var end = Math.min(text.length, start + 180);
    if (end < text.length) {
      var space = text.lastIndexOf(" ", end);
      if (space > start + 100) end = space;
    }
    return (start > 0 ? "… " : "") + text.slice(start, end) + (end < text.length ? " …" : "");
  }

  // --- the combobox ------------------------------------------------------------------------------

  var active = -1, latest = 0;

  function mark(element, text, forms) {
    // Text nodes and <mark> elements only: index text never goes through innerHTML.
    var pattern = matcher(forms), position = 0, found;
    while (pattern && (found = pattern.exec(text)) !== null) {
      element.appendChild(document.createTextNode(text.slice(position, found.index)));
      var highlight = document.createElement("mark");
      highlight.textContent = found[0];
      element.appendChild(highlight);
      position = found.index + found[0].length;
    }
    element.appendChild(document.createTextNode(text.slice(position)));
  }

  function say(text, visible) {
    status.textContent = text;
    status.className = visible ? "search-results search-empty" : "visually-hidden";
  }

  function show(found) {
    list.textContent = "";
    select(-1);
    var query = input.value.trim();
    if (!query) { close(); say("", false); return; }
    if (!found.results.length) {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      say("No lesson mentions “" + query + "”.", true);
      return;
    }
    found.results.forEach(function (result, n) {
      var option = document.createElement("li");
      option.id = "search-option-" + n;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.setAttribute("data-href", root + result.url);
      var title = document.createElement("span");
      title.className = "search-title";
      mark(title, result.title + (result.heading ? " › " + result.heading : ""), result.forms);
      var text = document.createElement("span");
      text.className = "search-snippet";
      mark(text, result.excerpt, result.forms);
      option.appendChild(title);
      option.appendChild(text);
      list.appendChild(option);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    var count = found.results.length + (found.results.length === 1 ? " result" : " results");
    say(found.missing.length ? count + ", without “" + found.missing.join("”, “") + "”" : count, false);
  }

  function update() {
    var ticket = ++latest, index = generation;
    search(input.value, function () { return ticket === latest; }).then(function (found) {
      if (ticket !== latest) return;
      if (index !== generation) update(); // the site changed meanwhile: search it as it is now
      else if (found) show(found);
    }, function () {
      if (ticket !== latest) return;
      if (index !== generation) update();
      else { close(); say("Search is not available right now.", true); }
    });
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    select(-1);
    if (status.classList.contains("search-empty")) say("", false);
  }

  function options() { return list.querySelectorAll("[role=option]"); }

  function select(n) {
    var all = options();
    active = n;
    all.forEach(function (option, i) { option.setAttribute("aria-selected", i === n ? "true" : "false"); });
    if (n >= 0 && all[n]) {
      input.setAttribute("aria-activedescendant", all[n].id);
      all[n].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function go(option) {
    if (option) location.href = option.getAttribute("data-href");
  }

  input.addEventListener("input", update);
  input.addEventListener("blur", close);
  input.addEventListener("focus", function () { if (input.value.trim()) update(); });
  input.addEventListener("keydown", function (event) {
    var count = options().length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) { if (input.value.trim()) update(); return; }
      if (!count) return;
      var step = event.key === "ArrowDown" ? 1 : -1;
      select(active < 0 ? (step > 0 ? 0 : count - 1) : (active + step + count) % count);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (!list.hidden && count) go(options()[Math.max(active, 0)]);
    } else if (event.key === "Escape") {
      if (!list.hidden || status.classList.contains("search-empty")) close();
      else input.value = "";
    }
  });
  list.addEventListener("mousedown", function (event) { event.preventDefault(); }); // keep focus
  list.addEventListener("click", function (event) {
    go(event.target.closest("[role=option]"));
  });
  document.addEventListener("keydown", function (event) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName) ||
      document.activeElement.isContentEditable;
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      input.focus();
    }
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest(".search")) close();
  });

  document.addEventListener("trustdocs:site-changed", function () {
    forget();
    if (document.activeElement === input && input.value.trim()) update(); // searched again
  });

  window.trustdocsSearch = {
    manifest: function (manifest) { if (current()) data.manifest = manifest; },
    shard: function (n, shard, numbering, first) {
      if (current()) { data.shards[n] = shard; checked(numbering, n, first); }
    },
    page: function (n, page, numbering) {
      if (current()) { data.pages[n] = page; checked(numbering); }
    },
    search: search
  };
})();
