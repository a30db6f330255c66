/* Footprint Auditor app: a little script on top of pages that work without it.
   - the progress page asks /scan/status every second and moves on when the check is done;
   - a decision is saved without leaving the page (the form posts normally without script).
   Every request goes to this app only, with the page's security token. */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
                 "X-CSRF-Token": csrf },
      body: body
    });
  }

  /* -- progress ------------------------------------------------------------------------------ */
  var box = document.getElementById("progress");
  if (box) {
    var show = function (id, on) { var el = document.getElementById(id); if (el) { el.hidden = !on; } };
    var text = function (id, value) { var el = document.getElementById(id); if (el) { el.textContent = value; } };
    var fmt = function (n) { return Number(n).toLocaleString("en-GB"); };
    var heading = document.querySelector("main h1");
    var tick = function () {
      fetch("/scan/status", { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          box.setAttribute("data-state", s.state);
          text("stage", s.stage_label || "");
          var bar = document.getElementById("bar");
          if (bar) { bar.value = s.percent || 0; bar.textContent = (s.percent || 0) + "%"; }
          text("counts", s.total ? fmt(s.done) + " of " + fmt(s.total) : "");
          text("left", s.left || "");
          text("message", s.message || "");
          show("running-actions", s.state === "running");
          show("done-actions", s.state === "done");
          show("again-actions", s.state === "failed" || s.state === "cancelled");
          if (s.state === "running") { window.setTimeout(tick, 1000); return; }
          if (heading) {
            heading.textContent = s.state === "done" ? "Your check is done" :
              s.state === "failed" ? "The check could not finish" : "You stopped the check";
          }
          if (s.state === "failed") { document.getElementById("message").className = "error"; }
          if (s.state === "done") { window.location.assign("/findings"); }
        })
        .catch(function () { window.setTimeout(tick, 3000); });
    };
    var cancel = document.getElementById("cancel-form");
    if (cancel) {
      cancel.addEventListener("submit", function (e) {
        e.preventDefault();
        post("/scan/cancel", "").then(function () { tick(); });
      });
    }
    if (box.getAttribute("data-state") === "running") { window.setTimeout(tick, 500); }
  }

  /* -- decisions ----------------------------------------------------------------------------- */
  var savedLine = document.getElementById("saved-line");
  Array.prototype.forEach.call(document.querySelectorAll("form.decide"), function (form) {
    var last = null;
    Array.prototype.forEach.call(form.querySelectorAll('button[name="decision"]'), function (b) {
      b.addEventListener("click", function () { last = b; });
    });
    form.addEventListener("submit", function (e) {
      var button = e.submitter || last;
      if (!button) { return; }
      e.preventDefault();
      var data = new URLSearchParams();
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name && el.name !== "decision" && el.type !== "submit") { data.append(el.name, el.value); }
      });
      data.append("decision", button.value);
      var buttons = form.querySelectorAll("button");
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
      var here = form.querySelector(".saved-here");
      if (!here) {
        here = document.createElement("p");
        here.className = "saved-here";
        here.setAttribute("role", "status");
        form.appendChild(here);
      }
      post(form.getAttribute("action"), data.toString())
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
        .then(function (res) {
          Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; b.removeAttribute("aria-pressed"); });
          here.textContent = res.body.message || (res.ok ? "Saved." : "Not saved.");
          here.className = res.ok ? "saved-here" : "saved-here error";
          if (!res.ok) { return; }
          button.setAttribute("aria-pressed", "true");
          var card = form.closest("article");
          if (card) {
            var pill = card.querySelector(".card-head .status");
            if (pill) { pill.textContent = res.body.status_label; pill.className = "status " + res.body.status; }
            card.setAttribute("data-decided", res.body.status);
          }
          if (savedLine) { savedLine.hidden = false; savedLine.textContent = here.textContent; }
        })
        .catch(function () {
          Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
          here.textContent = "Not saved: the app did not answer. Is it still running?";
          here.className = "saved-here error";
        });
    });
  });
})();
