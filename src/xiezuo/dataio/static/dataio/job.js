// Polls a job's status and moves its progress bar; reloads the page when the job ends.
(function () {
  var box = document.querySelector("[data-job-status]");
  if (!box) { return; }
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-job-message]");
  function tick() {
    fetch(box.getAttribute("data-job-status"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        bar.value = s.progress;
        text.textContent = s.progress + "% " + (s.message || "");
        if (s.finished) { window.location.reload(); } else { window.setTimeout(tick, 1000); }
      })
      .catch(function () { window.setTimeout(tick, 3000); });
  }
  tick();
})();
