// Progressive enhancement: every form works without this file.
(function () {
  // A form with errors: its summary takes focus, so a screen reader
  // announces it and the keyboard starts there (GOV.UK's pattern).
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  // A long download's page: its progress is asked for twice a second and
  // shown without a reload; once it ends, the page reloads to show the
  // download (or the reason it failed) as the server writes it. Without
  // this, a refresh shows the same.
  var job = document.getElementById("export");
  if (job && job.dataset.finished !== "true") {
    var bar = document.getElementById("export-progress");
    var poll = function () {
      fetch(job.dataset.progress, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (v) {
          if (v.finished) { window.location.reload(); return; }
          if (v.total > 0) { bar.max = v.total; bar.value = v.done; bar.textContent = v.percent + "%"; }
          document.getElementById("export-percent").textContent = v.percent + "%";
          document.getElementById("export-summary").textContent = v.summary;
          var err = document.getElementById("export-error");
          err.textContent = v.error || ""; err.hidden = !v.error;
          setTimeout(poll, 500);
        })
        .catch(function () { setTimeout(poll, 5000); });
    };
    setTimeout(poll, 500);
  }

  // The donate form: the preset tiles and the "other amount" field stay in
  // step, and the cover-the-fee line says what it adds once it is ticked,
  // in integer minor units just as the server counts.
  var form = document.getElementById("donate-form");
  if (!form) return;
  var bp = parseInt(form.dataset.feeBp, 10), fixed = parseInt(form.dataset.feeFixed, 10);
  var exp = parseInt(form.dataset.exp, 10), symbol = form.dataset.symbol || "";
  var other = document.getElementById("amount-other");
  var cover = document.getElementById("cover_fee");
  var feeOut = document.getElementById("fee-amount");
  var radios = form.querySelectorAll("input[type=radio][name=amount]");

  function toMinor(text) {
    var s = (text || "").replace(/[\s$€£¥,]/g, "");
    var m = /^(\d*)(?:\.(\d*))?$/.exec(s);
    if (!m || (m[1] === "" && !m[2])) return 0;
    var frac = (m[2] || "").replace(/0+$/, "");
    if (frac.length > exp) return 0;
    while (frac.length < exp) frac += "0";
    return parseInt((m[1] || "0") + frac, 10) || 0;
  }
  function format(minor) {
    var s = String(minor);
    if (exp > 0) {
      while (s.length <= exp) s = "0" + s;
      s = s.slice(0, s.length - exp) + "." + s.slice(s.length - exp);
    }
    return symbol + s;
  }
  function current() {
    if (other.value.trim() !== "") return toMinor(other.value);
    for (var i = 0; i < radios.length; i++) if (radios[i].checked) return toMinor(radios[i].value);
    return 0;
  }
  function update() {
    var gift = current();
    if (!cover.checked || gift <= 0) { feeOut.textContent = ""; return; }
    var total = Math.ceil(((gift + fixed) * 10000) / (10000 - bp));
    feeOut.textContent = "It adds " + format(total - gift) + ": " + format(total) + " in all.";
  }
  other.addEventListener("input", function () {
    if (other.value.trim() !== "") radios.forEach(function (r) { r.checked = false; });
    update();
  });
  radios.forEach(function (r) { r.addEventListener("change", function () { other.value = ""; update(); }); });
  cover.addEventListener("change", update);
  update();
})();
