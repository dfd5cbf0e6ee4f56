// The review overview: select every reviewable unit, or those sent on time, and count what is
// selected. Kept out of the template: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var form = document.getElementById("review-units");
  if (!form) return;
  var boxes = Array.prototype.slice.call(form.querySelectorAll('input[type="checkbox"][name="unit"]'));
  var all = document.getElementById("select-all");
  var onTime = document.getElementById("select-on-time");
  var count = document.getElementById("selected-count");

  function update() {
    var n = boxes.filter(function (b) { return b.checked; }).length;
    if (count) count.textContent = form.dataset.msgSelected + ": " + n + "/" + boxes.length;
    if (all) {
      all.checked = n > 0 && n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
    }
  }

  if (all) {
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      update();
    });
  }
  if (onTime) {
    onTime.addEventListener("click", function () {
      boxes.forEach(function (b) { b.checked = b.dataset.status === "on_time"; });
      update();
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target !== all) update();
  });
  update();
})();
