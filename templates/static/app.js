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

  // The proof of work against card testing (frontdoor.go): every form
  // that starts a checkout fetches a challenge as the page loads and
  // solves it in a Web Worker, so it is usually ready before the reader
  // is. Submitting before then waits for it; a solution is good once, so
  // a page restored from the back/forward cache and a changed email
  // domain (which the difficulty may depend on) start a new one. Without
  // a challenge (none could be fetched), the form goes as it would
  // without JavaScript.
  document.querySelectorAll("form[data-challenge]").forEach(function (f) {
    var field = f.querySelector("input[name=challenge]");
    var status = f.querySelector(".challenge-status");
    var email = f.querySelector("input[name=email]");
    var state = null, sending = false;
    var domainOf = function () {
      var v = email ? email.value.trim() : "", at = v.lastIndexOf("@");
      return at < 0 ? "" : v.slice(at + 1).toLowerCase();
    };
    var solve = function (c) {
      return new Promise(function (resolve, reject) {
        var w = new Worker("/static/challenge-worker.js");
        w.onmessage = function (e) {
          if (e.data.number !== undefined) {
            w.terminate();
            resolve(btoa(JSON.stringify({ algorithm: c.algorithm, challenge: c.challenge, number: e.data.number, salt: c.salt, signature: c.signature })));
          } else if (e.data.error) { w.terminate(); reject(new Error(e.data.error)); }
        };
        w.onerror = function (e) { w.terminate(); reject(e); };
        w.postMessage(c);
      });
    };
    var start = function () {
      var s = { domain: domainOf(), until: Date.now() + 19 * 60 * 1000 };
      field.value = "";
      // No cookie goes with it: the page's language rides along instead.
      var q = "?lang=" + encodeURIComponent(document.documentElement.lang || "en") + (s.domain ? "&domain=" + encodeURIComponent(s.domain) : "");
      s.promise = fetch(f.dataset.challenge + q, { credentials: "omit", cache: "no-store" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (c) { if (c.note && status) status.textContent = c.note; return solve(c); })
        .then(function (payload) { if (state === s) field.value = payload; return payload; });
      s.promise.catch(function () {});
      state = s;
    };
    start();
    if (email) email.addEventListener("change", function () { if (domainOf() !== state.domain) start(); });
    window.addEventListener("pageshow", function (e) { if (e.persisted) { sending = false; start(); } });
    f.addEventListener("submit", function (e) {
      if (sending) return;
      if (Date.now() > state.until) start();
      if (field.value) { sending = true; return; }
      e.preventDefault();
      if (status) status.textContent = f.dataset.checking || "Checking this form against fraud, one moment\u2026";
      var submitter = e.submitter;
      var go = function () {
        sending = true;
        if (status) status.textContent = "";
        if (f.requestSubmit) f.requestSubmit(submitter && submitter.form === f ? submitter : undefined); else f.submit();
      };
      state.promise.then(go, function () { field.value = ""; go(); });
    });
  });

  // The donate form: the preset tiles and the "other amount" field stay in
  // step, and the cover-the-fee line says what it adds once it is ticked,
  // in integer minor units just as the server counts.
  var form = document.getElementById("donate-form");
  if (!form) return;
  var bp = parseInt(form.dataset.feeBp, 10), fixed = parseInt(form.dataset.feeFixed, 10);
  // Amounts are written as the page's language writes them: the server
  // puts its decimal mark and what goes before and after the number here.
  var exp = parseInt(form.dataset.exp, 10), before = form.dataset.before || "", after = form.dataset.after || "";
  var dec = form.dataset.decimal || ".";
  var other = document.getElementById("amount-other");
  var cover = document.getElementById("cover_fee");
  var feeOut = document.getElementById("fee-amount");
  var radios = form.querySelectorAll("input[type=radio][name=amount]");

  function toMinor(text) {
    var s = (text || "").replace(/[\s\u00a0\u202f$€£¥]/g, "");
    if (dec === ",") {
      // As the server reads it: a comma is the decimal mark; points
      // group thousands only as "1.000", never before one or two digits.
      if (s.indexOf(",") >= 0) s = s.replace(/\./g, "").replace(",", ".");
      else if (/^\d{1,3}(\.\d{3})+$/.test(s)) s = s.replace(/\./g, "");
    } else s = s.replace(/,/g, "");
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
      s = s.slice(0, s.length - exp) + dec + s.slice(s.length - exp);
    }
    return before + s + after;
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
    feeOut.textContent = (form.dataset.adds || "It adds {fee}: {total} in all.").replace("{fee}", format(total - gift)).replace("{total}", format(total));
  }
  other.addEventListener("input", function () {
    if (other.value.trim() !== "") radios.forEach(function (r) { r.checked = false; });
    update();
  });
  radios.forEach(function (r) { r.addEventListener("change", function () { other.value = ""; update(); }); });
  cover.addEventListener("change", update);
  update();
})();
