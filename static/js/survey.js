// The public survey page: show the follow-up questions that match the main score, and save
// each answer the moment it is given. Without JavaScript every question shows, the whole form
// posts at the end, and the server keeps only the answers that apply.
(function () {
  function setUpFollowUps(form) {
    var main = form.querySelector("[data-main-score]");
    var followUps = form.querySelectorAll("[data-show-if-min]");
    if (!main || !followUps.length) return;
    var hideUntilScored = form.dataset.followups === "hide-until-scored";

    function update() {
      var checked = main.querySelector("input:checked");
      var score = checked ? Number(checked.value) : null;
      followUps.forEach(function (question) {
        var show = score === null
          ? !hideUntilScored
          : score >= Number(question.dataset.showIfMin) && score <= Number(question.dataset.showIfMax);
        question.hidden = !show;
        question.querySelectorAll("input, textarea").forEach(function (input) {
          input.disabled = !show;
        });
      });
    }

    main.addEventListener("change", update);
    update();
  }

  // One small POST per answer (only=<question key>) to the page's own URL: a customer who
  // leaves after the score still counts. Saves go one after the other, so that an open
  // survey's second answer carries the response key the first one received.
  function setUpSaving(form) {
    if (!("saveEach" in form.dataset) || !window.fetch || !window.FormData) return;
    var keyInput = form.querySelector("[data-response-key]");
    var queue = Promise.resolve();
    var pending = 0;
    var sent = {};
    var timers = {};

    function note(question, text, isError) {
      var element = question.querySelector("[data-note]");
      if (!element) return;
      element.textContent = text || "";
      element.classList.toggle("error", Boolean(isError));
      element.classList.toggle("saved", !isError && Boolean(text));
    }

    function valueOf(question) {
      var data = new FormData(form);
      return JSON.stringify(data.getAll("q_" + question.dataset.key));
    }

    function post(question) {
      var data = new FormData(form);
      data.set("only", question.dataset.key);
      return fetch(form.action || window.location.href, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      }).then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) {
            note(question, body.detail || form.dataset.failedText, true);
            return;
          }
          if (keyInput && body.response) keyInput.value = body.response;
          note(question, form.dataset.savedText, false);
        });
      }).catch(function () {
        note(question, form.dataset.failedText, true);
      });
    }

    function save(question) {
      var value = valueOf(question);
      if (value === "[]" || value === '[""]' || sent[question.dataset.key] === value) return;
      sent[question.dataset.key] = value;
      pending += 1;
      queue = queue.then(function () { return post(question); }).then(function () {
        pending -= 1;
      });
    }

    form.addEventListener("change", function (event) {
      var question = event.target.closest("fieldset[data-key]");
      if (!question) return;
      clearTimeout(timers[question.dataset.key]);
      save(question);
    });
    // Text is saved when the customer pauses, not only when the field loses focus.
    form.addEventListener("input", function (event) {
      if (event.target.tagName !== "TEXTAREA") return;
      var question = event.target.closest("fieldset[data-key]");
      clearTimeout(timers[question.dataset.key]);
      timers[question.dataset.key] = setTimeout(function () { save(question); }, 1000);
    });
    // A second click on "Send" while the first is on its way would only repeat it. A "Send"
    // while an answer is still being saved waits for it: on an open survey the response key
    // it brings back is what keeps both in one response.
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending) {
        event.preventDefault();
        return;
      }
      form.dataset.sending = "true";
      if (pending) {
        event.preventDefault();
        queue.then(function () { form.submit(); });
      }
    });
    window.addEventListener("pageshow", function () { delete form.dataset.sending; });
  }

  document.querySelectorAll("form[data-survey]").forEach(function (form) {
    setUpFollowUps(form);
    setUpSaving(form);
  });
})();
