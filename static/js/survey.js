// The public survey page: show the follow-up questions that match the main score.
// Without JavaScript every question shows, and the server keeps only the answers that apply.
(function () {
  function setUp(form) {
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

  document.querySelectorAll("form[data-survey]").forEach(setUp);
})();
