// The donate box for a news site's articles. The box's HTML works alone (a
// link to the form); this adds preset buttons that open the form with the
// amount chosen, passes the article's address, and shows a campaign's
// meter. It sets no cookie and loads nothing else.
(function () {
  var boxes = document.querySelectorAll("[data-donations-box]");
  for (var i = 0; i < boxes.length; i++) setUp(boxes[i]);

  function setUp(box) {
    var base = (box.getAttribute("data-base") || "").replace(/\/$/, "");
    if (!/^https?:\/\//.test(base)) return;
    var campaign = box.getAttribute("data-campaign") || "";
    var amounts = (box.getAttribute("data-amounts") || "").split(",");
    var label = box.getAttribute("data-currency") || "$";
    var article = location.origin + location.pathname;
    function link(amount, frequency) {
      var q = "?article=" + encodeURIComponent(article);
      if (campaign) q += "&campaign=" + encodeURIComponent(campaign);
      if (amount) q += "&amount=" + encodeURIComponent(amount);
      if (frequency) q += "&frequency=" + frequency;
      return base + "/donate" + q;
    }
    var plain = box.querySelector("a[data-donate]");
    if (plain) plain.href = link("", "");
    var row = document.createElement("p");
    row.className = "donations-box-amounts";
    for (var j = 0; j < amounts.length; j++) {
      var a = amounts[j].replace(/[^0-9.]/g, "");
      if (!a) continue;
      var btn = document.createElement("a");
      btn.href = link(a, "once");
      btn.textContent = label + a;
      btn.className = "donations-box-amount";
      row.appendChild(btn);
      row.appendChild(document.createTextNode(" "));
    }
    var monthly = document.createElement("a");
    monthly.href = link("", "month");
    monthly.textContent = "Give monthly";
    row.appendChild(monthly);
    box.appendChild(row);
    if (!campaign || !window.fetch) return;
    fetch(base + "/box/meter/" + encodeURIComponent(campaign) + ".json", { credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (m) {
        if (!m) return;
        var meter = document.createElement("p");
        meter.className = "donations-box-meter";
        var bar = document.createElement("progress");
        bar.max = m.goal;
        bar.value = Math.min(m.raised, m.goal);
        bar.textContent = m.percent + "%";
        var text = document.createElement("span");
        text.id = "donations-box-meter-" + campaign;
        bar.setAttribute("aria-labelledby", text.id);
        text.textContent = m.raised_text + " raised of the " + m.goal_text + " goal" + (m.closed ? " (closed)" : "") +
          (m.funder && !m.closed ? ". Gifts are matched by " + m.funder + "." : "");
        meter.appendChild(bar);
        meter.appendChild(document.createTextNode(" "));
        meter.appendChild(text);
        box.insertBefore(meter, row);
      })
      .catch(function () {});
  }
})();
