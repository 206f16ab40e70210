// The donate box for a news site's articles. The box's HTML works alone (a
// link to the form); this adds preset buttons that open the form with the
// amount chosen, passes the article's address and its utm_ parameters (so
// newsletter → article → gift keeps its source), and shows a campaign's
// meter. It sets no cookie and loads nothing else.
(function () {
  // Each language's words, put in by the server; the box speaks its own
  // data-lang, else the article's, else the first.
  var WORDS = /*WORDS*/{"en": {"monthly": "Give monthly", "raised": "{raised} raised of the {goal} goal", "closed": " (closed)", "matched": ". Gifts are matched by {funder}."}};
  var boxes = document.querySelectorAll("[data-donations-box]");
  if (boxes.length) style(boxes[0]);
  for (var i = 0; i < boxes.length; i++) setUp(boxes[i]);

  // A small default look: buttons of at least 44 px, in the article's own
  // font and colour. Every rule is inside :where(), so it weighs nothing:
  // any rule of the news site's for these classes wins.
  function style(first) {
    if (document.getElementById("donations-box-style")) return;
    var css = document.createElement("style");
    css.id = "donations-box-style";
    css.textContent =
      ":where(.donations-box-amounts){display:flex;flex-wrap:wrap;gap:.5rem;margin:.75rem 0}" +
      ":where(.donations-box-amounts a){display:inline-flex;align-items:center;justify-content:center;box-sizing:border-box;" +
      "min-height:44px;min-width:44px;padding:.25rem 1rem;border:2px solid currentColor;border-radius:6px;font:inherit;font-weight:600;" +
      "color:inherit;text-decoration:none;line-height:1.2}" +
      ":where(.donations-box-amounts a:hover,.donations-box-amounts a:focus-visible){text-decoration:underline}" +
      ":where(.donations-box-meter){margin:.75rem 0 .25rem}" +
      ":where(.donations-box-meter progress){display:block;width:100%;height:.75rem;margin-bottom:.25rem}";
    first.parentNode.insertBefore(css, first);
  }

  // The article's own utm_ parameters, passed on to the form.
  function utm() {
    var out = "", params = location.search.replace(/^\?/, "").split("&");
    for (var k = 0; k < params.length; k++) {
      var kv = params[k].split("=");
      if (!/^utm_(source|medium|campaign)$/.test(kv[0]) || !kv[1]) continue;
      try { out += "&" + kv[0] + "=" + encodeURIComponent(decodeURIComponent(kv[1].replace(/\+/g, " "))); } catch (e) { /* malformed: left out */ }
    }
    return out;
  }

  function setUp(box) {
    var base = (box.getAttribute("data-base") || "").replace(/\/$/, "");
    if (!/^https?:\/\//.test(base)) return;
    var campaign = box.getAttribute("data-campaign") || "";
    var amounts = (box.getAttribute("data-amounts") || "").split(",");
    var label = box.getAttribute("data-currency") || "$";
    var article = location.origin + location.pathname, tags = utm();
    var lang = (box.getAttribute("data-lang") || document.documentElement.lang || "").toLowerCase().split("-")[0];
    if (!WORDS[lang]) for (lang in WORDS) break;
    var words = WORDS[lang];
    function link(amount, frequency) {
      var q = "?article=" + encodeURIComponent(article);
      if (campaign) q += "&campaign=" + encodeURIComponent(campaign);
      if (amount) q += "&amount=" + encodeURIComponent(amount);
      if (frequency) q += "&frequency=" + frequency;
      return base + "/donate" + q + "&lang=" + lang + tags;
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
    monthly.textContent = words.monthly;
    monthly.className = "donations-box-monthly";
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
        var t = (m.texts && m.texts[lang]) || { raised: m.raised_text, goal: m.goal_text };
        text.textContent = words.raised.replace("{raised}", t.raised).replace("{goal}", t.goal) + (m.closed ? words.closed : "") +
          (m.funder && !m.closed ? words.matched.replace("{funder}", m.funder) : "");
        meter.appendChild(bar);
        meter.appendChild(document.createTextNode(" "));
        meter.appendChild(text);
        box.insertBefore(meter, row);
      })
      .catch(function () {});
  }
})();
