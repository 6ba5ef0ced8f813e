// Backline console: keeps the dashboard live from the console's event stream and asks before
// destructive actions. No framework, no build step.
(function () {
  "use strict";

  // Forms with data-confirm ask first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // An element with data-live="URL" gets a fresh copy of URL whenever the event stream named
  // by data-stream says something happened (requests are coalesced while one is running).
  function startLive() {
    var target = document.querySelector("[data-live]");
    if (!target) return;
    var url = target.getAttribute("data-live");
    var streamUrl = target.getAttribute("data-stream");
    var dot = document.getElementById("live-state");
    var pending = false;
    var running = false;

    function refresh() {
      if (running) { pending = true; return; }
      running = true;
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html !== null) {
            target.innerHTML = html;
            target.setAttribute("data-refreshed", String(Date.now()));
          }
        })
        .catch(function () {})
        .then(function () {
          running = false;
          if (pending) { pending = false; setTimeout(refresh, 150); }
        });
    }

    function setState(on, text) {
      if (!dot) return;
      dot.className = on ? "live-dot on" : "live-dot";
      dot.title = text;
    }

    if (streamUrl && window.EventSource) {
      var source = new EventSource(streamUrl);
      var opened = false;
      // After a reconnection, catch up at once (the stream resumes, but may start afresh).
      source.onopen = function () {
        setState(true, "live");
        if (opened) refresh();
        opened = true;
      };
      source.onerror = function () { setState(false, "reconnecting"); };
      // Every event is a plain message (no `event:` name): any change refreshes the part.
      source.onmessage = function () { refresh(); };
    } else {
      setState(false, "no live updates in this browser");
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startLive);
  } else {
    startLive();
  }
})();
