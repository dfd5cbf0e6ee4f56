// The import page follows its job: while the file is being previewed or committed in the
// background it polls the JSON status, moves the progress bar and reloads when the job is over
// (the page then shows the preview, or the commit's result). No library, no CDN.
(function () {
  "use strict";
  var card = document.getElementById("import-batch");
  if (!card || card.getAttribute("data-active") !== "1") return;
  var url = card.getAttribute("data-status-url");
  var bar = card.querySelector("#batch-progress progress");
  var percent = document.getElementById("batch-percent");
  var label = document.getElementById("batch-state");

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
