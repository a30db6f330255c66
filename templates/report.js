/* Footprint Auditor report: search and filters over the finding cards (shared with the app,
   auditor.report.html.script()). Without this script every card shows and the controls stay
   hidden. The search and filters live in the address (?q=...&platform=...), so a reload or a
   bookmark keeps them, and every count on the page follows what is shown. */
(function () {
  "use strict";
  var tools = document.getElementById("fa-tools");
  if (!tools) { return; }
  var form = document.getElementById("fa-filters");
  var q = document.getElementById("fa-q");
  var keys = ["platform", "category", "year", "status"];
  var dimsAll = ["platform", "category", "year", "level", "clause", "status"];
  var cards = Array.prototype.slice.call(document.querySelectorAll("article.card"));
  var texts = cards.map(function (c) { return c.textContent.toLowerCase().replace(/\s+/g, " "); });
  var dims = cards.map(function (c) {
    var d = {};
    dimsAll.forEach(function (k) { d[k] = (c.getAttribute("data-" + k) || "").split(" ").filter(Boolean); });
    return d;
  });
  var shownLine = document.getElementById("fa-shown");
  var noMatch = document.getElementById("fa-nomatch");
  var filterSummary = document.getElementById("fa-filter-count");
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-dim][data-key]"));
  tools.hidden = false;

  function current() {
    var s = { q: q.value.trim() };
    keys.forEach(function (k) { s[k] = form.elements[k].value; });
    return s;
  }
  function readUrl() {
    var p = new URLSearchParams(window.location.search);
    q.value = p.get("q") || "";
    keys.forEach(function (k) {
      var el = form.elements[k];
      var v = p.get(k) || "all";
      el.value = v;
      if (el.value !== v) { el.value = "all"; }
    });
  }
  function writeUrl(s) {
    var p = new URLSearchParams(window.location.search);
    ["q"].concat(keys).forEach(function (k) {
      if (s[k] && s[k] !== "all") { p.set(k, s[k]); } else { p.delete(k); }
    });
    var qs = p.toString();
    try {
      window.history.replaceState(null, "", window.location.pathname + (qs ? "?" + qs : "") + window.location.hash);
    } catch (e) { /* a browser that refuses: the filters still work, only a reload loses them */ }
  }
  function apply(save) {
    var s = current();
    var terms = s.q.toLowerCase().split(/\s+/).filter(Boolean);
    var active = keys.filter(function (k) { return s[k] !== "all"; }).length;
    var filtered = active > 0 || terms.length > 0;
    var visible = [];
    cards.forEach(function (c, i) {
      var d = dims[i];
      var ok = keys.every(function (k) { return s[k] === "all" || d[k].indexOf(s[k]) >= 0; }) &&
        terms.every(function (w) { return texts[i].indexOf(w) >= 0; });
      c.hidden = !ok;
      if (ok) { visible.push(i); }
    });
    Array.prototype.forEach.call(document.querySelectorAll("section.level"), function (sec) {
      var all = sec.querySelectorAll("article.card").length;
      var vis = sec.querySelectorAll("article.card:not([hidden])").length;
      var out = sec.querySelector(".count");
      if (out) { out.textContent = "(" + (filtered ? vis + " of " + all : all) + ")"; }
      var none = sec.querySelector(".none-here");
      if (none) { none.hidden = !(filtered && all > 0 && vis === 0); }
    });
    rows.forEach(function (row) {
      var dim = row.getAttribute("data-dim"), key = row.getAttribute("data-key");
      var n = 0;
      visible.forEach(function (i) { if (dims[i][dim].indexOf(key) >= 0) { n += 1; } });
      var out = row.querySelector(".n");
      if (out) { out.textContent = String(n); }
      row.hidden = filtered && n === 0;
    });
    if (noMatch) { noMatch.hidden = !(filtered && visible.length === 0 && cards.length > 0); }
    if (shownLine) {
      shownLine.hidden = !filtered;
      shownLine.textContent = "Showing " + visible.length + " of " + cards.length + " posts";
    }
    if (filterSummary) { filterSummary.textContent = active ? " (" + active + " on)" : ""; }
    if (save) { writeUrl(s); }
  }
  function clear() {
    q.value = "";
    keys.forEach(function (k) { form.elements[k].value = "all"; });
    apply(true);
  }
  form.addEventListener("change", function () { apply(true); });
  form.addEventListener("submit", function (e) { e.preventDefault(); apply(true); });
  q.addEventListener("input", function () { apply(true); });
  Array.prototype.forEach.call(document.querySelectorAll("[data-fa-clear]"), function (b) {
    b.addEventListener("click", function (e) { e.preventDefault(); clear(); });
  });
  Array.prototype.forEach.call(document.querySelectorAll("a[data-fa-status]"), function (a) {
    a.addEventListener("click", function (e) {
      e.preventDefault();
      clear();
      form.elements.status.value = a.getAttribute("data-fa-status");
      apply(true);
      var first = document.querySelector("article.card:not([hidden])");
      if (first) { first.scrollIntoView(); }
    });
  });
  readUrl();
  if (keys.some(function (k) { return form.elements[k].value !== "all"; })) {
    document.getElementById("fa-filter-box").open = true;
  }
  apply(false);
})();
