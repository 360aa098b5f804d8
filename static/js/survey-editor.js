// The survey editor: move questions without a round trip, show the fields of the chosen type,
// and refresh the phone preview with the unsaved content (posted to the preview URL into the
// frame; nothing is saved). Without JavaScript the move buttons submit and the preview shows
// the saved survey.
(function () {
  var form = document.querySelector("form[data-survey-editor]");
  if (!form) return;
  var frame = document.getElementById("survey-preview");
  var list = form.querySelector("[data-question-list]");
  var locale = (document.querySelector("[data-preview-locale][aria-current]") || {}).dataset;
  var previewLocale = locale ? locale.previewLocale : "";
  var timer = null;

  function refreshPreview() {
    if (!frame) return;
    var action = form.getAttribute("action");
    form.setAttribute("action", form.dataset.previewUrl + "?locale=" + encodeURIComponent(previewLocale));
    form.setAttribute("target", frame.name);
    form.submit();
    if (action === null) form.removeAttribute("action"); else form.setAttribute("action", action);
    form.removeAttribute("target");
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refreshPreview, 400);
  }

  function renumber() {
    var position = 1;
    list.querySelectorAll("[data-question][data-existing] [data-order]").forEach(function (input) {
      input.value = position++;
    });
  }

  function showFieldsOfKind(question) {
    var kind = question.querySelector("select[name$='-kind']");
    if (!kind) return;
    question.querySelectorAll("[data-kinds]").forEach(function (block) {
      block.hidden = block.dataset.kinds.split(" ").indexOf(kind.value) === -1;
    });
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-move]");
    if (!button) return;
    event.preventDefault();
    var item = button.closest("[data-question]");
    if (button.dataset.move === "up") {
      var previous = item.previousElementSibling;
      if (previous) list.insertBefore(item, previous);
    } else {
      var next = item.nextElementSibling;
      if (next && next.hasAttribute("data-existing")) list.insertBefore(next, item);
    }
    renumber();
    button.focus();
    schedule();
  });

  form.addEventListener("input", schedule);
  form.addEventListener("change", function (event) {
    var question = event.target.closest("[data-question]");
    if (question && event.target.matches("select[name$='-kind']")) showFieldsOfKind(question);
    schedule();
  });

  document.querySelectorAll("[data-preview-locale]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      document.querySelectorAll("[data-preview-locale]").forEach(function (other) {
        other.removeAttribute("aria-current");
      });
      link.setAttribute("aria-current", "true");
      previewLocale = link.dataset.previewLocale;
      refreshPreview();
    });
  });

  list.querySelectorAll("[data-question]").forEach(showFieldsOfKind);
})();
