// The report page follows its job: polls the JSON status while it is queued or running, moves
// the progress bar, and reloads once the job is done or failed (the page then offers the
// downloads, or the reason and a retry button). No library, no CDN.
(function () {
  "use strict";
  var card = document.getElementById("report");
  if (!card) return;
  var url = card.getAttribute("data-status-url");
  var state = card.getAttribute("data-state");
  if (state !== "queued" && state !== "running") return;
  var bar = card.querySelector("#job-progress progress");
  var percent = document.getElementById("job-percent");
  var label = document.getElementById("job-state");

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
