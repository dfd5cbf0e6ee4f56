// The month entry form: checks each field as it is typed (the server checks again on save)
// and autosaves what is typed as a draft, so that nothing is lost. No framework.
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  if (!form) return;
  var msg = form.dataset;
  var status = document.getElementById("draft-status");

  // Vietnamese numbers: "2.238" is 2238, "70,5" is 70.5, "-" is 0, blank is nothing.
  function parse(text) {
    var s = text.replace(/[\s\u00a0]/g, "").replace(/%$/, "");
    if (s === "") return null;
    if (s === "-" || s === "–") return 0;
    if (s.indexOf(",") >= 0) s = s.replace(/\./g, "").replace(",", ".");
    else if (/^-?\d{1,3}(\.\d{3})+$/.test(s)) s = s.replace(/\./g, "");
    if (!/^-?\d+(\.\d+)?$/.test(s)) return NaN;
    return parseFloat(s);
  }

  function field(name) { return form.elements.namedItem(name); }

  // The server's rules (indicators.cycle.entry.check_entries), field by field: a number's own
  // errors first, then a rate's pair (missing half, zero denominator, numerator above it),
  // then a breakdown above its total, then the warning of an unusual value.
  var LARGEST = parseFloat(msg.largest);
  function numberProblems(n) {
    if (isNaN(n)) return [[msg.msgNumber, true]];
    if (n < 0) return [[msg.msgNegative, true]];
    if (n !== Math.floor(n)) return [[msg.msgInteger, true]];
    if (n >= LARGEST) return [[msg.msgLarge, true]];
    return [];
  }
  function valid(input) {  // the field's number when it is one the rules accept, else null
    if (!input) return null;
    var n = parse(input.value);
    return n !== null && numberProblems(n).length === 0 ? n : null;
  }
  function numeratorOf(input) {
    return form.querySelector('input[data-denominator="' + input.name + '"]');
  }

  function problems(input) {
    var n = parse(input.value);
    var den = input.dataset.denominator && field(input.dataset.denominator);
    var num = numeratorOf(input);
    if (n === null) {
      if (den && parse(den.value) !== null) return [[msg.msgMissingNum, true]];
      if (num && parse(num.value) !== null) return [[msg.msgMissingDen, true]];
      return [];
    }
    var found = numberProblems(n);
    if (found.length) return found;
    if (num && n === 0 && valid(num) !== null) found.push([msg.msgZero, true]);
    if (den) {
      var d = valid(den);
      if (d !== null && d !== 0 && n > d) found.push([msg.msgFraction, true]);
    }
    var total = input.dataset.total && field(input.dataset.total);
    if (total) {
      var t = valid(total);
      if (t !== null && n > t) found.push([msg.msgBreakdown + " " + input.dataset.totalCode, true]);
    }
    var peak = input.dataset.peak;
    if (peak !== undefined && n > 3 * parseFloat(peak) && n > parseFloat(peak) + 10) {
      found.push([msg.msgUnusual, false]);
    }
    return found;
  }

  function show(input) {
    var list = problems(input);
    var box = document.getElementById("msg-" + input.name);
    box.textContent = list.map(function (p) { return p[0]; }).join("; ");
    var blocking = list.some(function (p) { return p[1]; });
    input.closest(".field").classList.toggle("has-error", blocking);
    input.closest(".field").classList.toggle("has-warning", !blocking && list.length > 0);
    input.setAttribute("aria-invalid", blocking ? "true" : "false");
  }

  // A rate's two halves are re-checked together, a breakdown when its total changes.
  function related(input) {
    var name = input.name;
    return Array.prototype.filter.call(form.querySelectorAll("input[data-part]"), function (other) {
      return other.dataset.denominator === name || other.dataset.total === name ||
        other.name === input.dataset.denominator;
    });
  }

  var timer = null;
  function saveDraft() {
    timer = null;
    var data = new FormData(form);
    data.delete("action");
    fetch(msg.draftUrl, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r); })
      .then(function (body) { if (status) status.textContent = msg.msgSaved + " " + body.saved_at; })
      .catch(function () { if (status) status.textContent = msg.msgOffline; });
  }

  form.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.dataset || !input.dataset.part) return;
    show(input);
    related(input).forEach(show);
    if (timer) clearTimeout(timer);
    timer = setTimeout(saveDraft, 1500);
  });
  form.addEventListener("submit", function () { if (timer) clearTimeout(timer); });
  window.addEventListener("pagehide", function () { if (timer) saveDraft(); });
})();
