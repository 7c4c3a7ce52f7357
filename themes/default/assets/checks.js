// Knowledge checks (<section class="check" data-check-id="PAGE:N">): the learner chooses, checks the
// answer, reads the feedback of what they chose, and can try again. Answers are kept in this browser
// (localStorage, under "trustdocs-checks:" + the site root, so "Reset progress" forgets them too).
// A check counts as answered once it was answered right, or, for a question with only a model
// answer, once the model answer was opened: the check then carries data-answered and dispatches
// "trustdocs:check-answered", which progress.js counts towards finishing the lesson.
// Without this script the question, the options, each option's feedback and the model answer all
// stay readable in their <details>.
(function () {
  "use strict";
  var checks = document.querySelectorAll(".check[data-check-id]");
  if (!checks.length) return;
  var root = new URL(document.documentElement.getAttribute("data-root") || "./", location.href).href;
  var storeKey = "trustdocs-checks:" + root;

  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey)) || {}; } catch (e) { return {}; }
  }

  function remember(id, change) {
    var all = load();
    var entry = all[id] || {};
    Object.keys(change).forEach(function (key) {
      if (change[key] === null) delete entry[key]; else entry[key] = change[key];
    });
    all[id] = entry;
    try { localStorage.setItem(storeKey, JSON.stringify(all)); } catch (e) { /* private mode */ }
  }

  function markAnswered(check, announce) {
    if (check.hasAttribute("data-answered")) return;
    check.setAttribute("data-answered", "");
    if (announce) {
      check.dispatchEvent(new CustomEvent("trustdocs:check-answered", { bubbles: true }));
    }
  }

  function setUp(check) {
    var id = check.getAttribute("data-check-id");
    var options = Array.prototype.slice.call(check.querySelectorAll(".check-option"));
    var submit = check.querySelector(".check-submit");
    var retry = check.querySelector(".check-retry");
    var result = check.querySelector(".check-result");
    var modelAnswer = check.querySelector("details.check-answer");
    var kept = load()[id] || {};

    function inputOf(option) { return option.querySelector("input"); }
    function feedbackOf(option) { return option.querySelector(".check-feedback"); }
    function isRight(option) { return option.getAttribute("data-correct") === "true"; }

    function showFeedback(option, show) {
      var feedback = feedbackOf(option);
      if (!feedback) return;
      feedback.hidden = !show;
      feedback.open = show;
    }

    function reset() {
      options.forEach(function (option) {
        var input = inputOf(option);
        input.checked = false;
        input.disabled = false;
        option.classList.remove("chosen", "right", "wrong");
        showFeedback(option, false);
      });
      result.textContent = "";
      result.className = "check-result";
      submit.hidden = false;
      retry.hidden = true;
    }

    // Mark the chosen options right or wrong and show their feedback; all of it once right.
    function mark(chosen, announce) {
      var wrong = 0;
      var missed = 0;
      options.forEach(function (option, index) {
        var picked = chosen.indexOf(index + 1) >= 0;
        var input = inputOf(option);
        input.checked = picked;
        input.disabled = true;
        option.classList.toggle("chosen", picked);
        if (picked && !isRight(option)) wrong += 1;
        if (!picked && isRight(option)) missed += 1;
      });
      var right = !wrong && !missed;
      options.forEach(function (option, index) {
        var picked = chosen.indexOf(index + 1) >= 0;
        option.classList.toggle("right", (picked || right) && isRight(option));
        option.classList.toggle("wrong", picked && !isRight(option));
        showFeedback(option, picked || right);
      });
      result.className = "check-result " + (right ? "is-right" : "is-wrong");
      var text = right ? "Right." : wrong ? "Not quite: read the feedback, then try again."
        : "Right so far, but there is more: choose all that apply, then try again.";
      if (announce) {
        result.textContent = "";
        window.setTimeout(function () { result.textContent = text; }, 30);
      } else {
        result.textContent = text;
      }
      submit.hidden = true;
      retry.hidden = false;
      return right;
    }

    if (options.length && submit) {
      options.forEach(function (option) { showFeedback(option, false); });
      submit.hidden = false;
      submit.addEventListener("click", function () {
        var chosen = [];
        options.forEach(function (option, index) {
          if (inputOf(option).checked) chosen.push(index + 1);
        });
        if (!chosen.length) {
          result.className = "check-result";
          result.textContent = "Choose an answer first.";
          return;
        }
        var right = mark(chosen, true);
        remember(id, right ? { chosen: chosen, solved: true } : { chosen: chosen });
        retry.focus();
        if (right) markAnswered(check, true);
      });
      retry.addEventListener("click", function () {
        reset();
        remember(id, { chosen: null });
        inputOf(options[0]).focus();
      });
      if (kept.chosen && kept.chosen.length) mark(kept.chosen, false);
    } else if (modelAnswer) {
      modelAnswer.addEventListener("toggle", function () {
        if (!modelAnswer.open) return;
        remember(id, { solved: true });
        markAnswered(check, true);
      });
    }
    if (kept.solved) markAnswered(check, false);
  }

  checks.forEach(setUp);
})();
