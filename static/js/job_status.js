// A page that follows a background job (a report, an import): while the job is active it polls
// the JSON status, moves the progress bar and reloads when the job is over (the page then shows
// its result). The container says where: data-job-status-url, data-active="1", and children
// marked data-job="progress" (a <progress>), "percent" and "state". No library, no CDN.
(function () {
  "use strict";
  var card = document.querySelector("[data-job-status-url]");
  if (!card || card.getAttribute("data-active") !== "1") return;
  var url = card.getAttribute("data-job-status-url");
  var bar = card.querySelector("[data-job=progress]");
  var percent = card.querySelector("[data-job=percent]");
  var label = card.querySelector("[data-job=state]");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { window.setTimeout(poll, 5000); return; }
        bar.value = data.progress;
        percent.textContent = data.progress + "%";
        label.textContent = data.state_label;
        if (data.active) { window.setTimeout(poll, 1000); } else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 500);
})();
