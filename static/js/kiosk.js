// Kiosk mode of an open survey (/q/<key>/ on a shared tablet): after the thank-you the page
// starts again for the next customer, and a survey left half answered starts again after a
// while, so that nobody ever sees the previous customer's answers.
(function () {
  function restart(url) {
    // replace(): the previous customer's pages are not kept in the tab's history.
    window.location.replace(url);
  }

  // The thank-you: a countdown, paused for good once the customer starts leaving their
  // contact details (the "Next customer" button stays).
  function setUpReset(block) {
    var seconds = Number(block.dataset.kioskReset) || 10;
    var countdown = block.querySelector("[data-kiosk-countdown]");
    var timer = setTimeout(function () { restart(block.dataset.kioskNext); }, seconds * 1000);
    document.querySelectorAll("[data-kiosk-pause]").forEach(function (form) {
      ["focusin", "input"].forEach(function (name) {
        form.addEventListener(name, function () {
          clearTimeout(timer);
          if (countdown) countdown.hidden = true;
        });
      });
    });
  }

  // The survey: once something is answered, a long pause means the customer has left.
  function setUpIdle(marker) {
    var form = marker.closest("form");
    var limit = (Number(marker.dataset.kioskIdle) || 90) * 1000;
    var timer = null;
    function touched() {
      clearTimeout(timer);
      timer = setTimeout(function () { restart(marker.dataset.kioskNext); }, limit);
    }
    ["change", "input", "focusin", "pointerdown"].forEach(function (name) {
      form.addEventListener(name, touched);
    });
  }

  document.querySelectorAll("[data-kiosk-reset]").forEach(setUpReset);
  document.querySelectorAll("[data-kiosk-idle]").forEach(setUpIdle);
  // Back to a page the browser kept in memory: show a fresh one instead.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && document.querySelector("[data-kiosk-reset], [data-kiosk-idle]")) {
      window.location.reload();
    }
  });
})();
