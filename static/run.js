// Live run page: follows the run's Server-Sent Events, appends them to the timeline and
// re-fetches the server-rendered panels (status, plan, budget, files). Text from events is
// inserted with textContent only, never as HTML. Without JavaScript the page still works
// (reload to refresh).
(function () {
  "use strict";
  var root = document.getElementById("run-live");
  if (!root || !window.EventSource) { return; }
  var timeline = document.getElementById("timeline");
  var panels = document.getElementById("panels");
  var liveStatus = document.getElementById("live-status");
  var indicator = document.getElementById("live-indicator");
  var lastId = parseInt(root.dataset.lastEvent || "0", 10);
  var refreshTimer = null;
  var source = null;

  function appendEvent(event) {
    if (event.id <= lastId) { return; }
    lastId = event.id;
    var empty = timeline.querySelector(".empty");
    if (empty) { empty.remove(); }
    var item = document.createElement("li");
    item.className = "event kind-" + String(event.kind).replace(/[^a-z0-9_-]/gi, "");
    item.dataset.id = event.id;
    var badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = event.kind;
    item.appendChild(badge);
    if (event.seq !== null && event.seq !== undefined) {
      var seq = document.createElement("span");
      seq.className = "seq";
      seq.textContent = "step " + event.seq;
      item.appendChild(seq);
    }
    var message = document.createElement("span");
    message.className = "message";
    message.textContent = event.message;
    item.appendChild(message);
    var reasons = (event.data && event.data.reasons) || [];
    if (reasons.length) {
      var list = document.createElement("ul");
      list.className = "reasons";
      reasons.slice(0, 20).forEach(function (reason) {
        var li = document.createElement("li");
        li.textContent = reason;
        list.appendChild(li);
      });
      item.appendChild(list);
    }
    var atBottom = timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight < 40;
    timeline.appendChild(item);
    if (atBottom) { timeline.scrollTop = timeline.scrollHeight; }
  }

  // Never replace the panels under a student who is typing an answer.
  function busy() {
    var fields = panels.querySelectorAll("textarea, input:not([type=hidden]), select");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i] === document.activeElement || fields[i].value) { return true; }
    }
    return false;
  }

  function refreshPanels() {
    refreshTimer = null;
    if (busy()) { refreshTimer = setTimeout(refreshPanels, 3000); return; }
    fetch(root.dataset.panelsUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null || busy()) { return; }
        panels.innerHTML = html;  // server-rendered and escaped by Django templates
      })
      .catch(function () { /* the next event retries */ });
  }

  function scheduleRefresh() {
    if (!refreshTimer) { refreshTimer = setTimeout(refreshPanels, 400); }
  }

  function connect() {
    source = new EventSource(root.dataset.eventsUrl + "?after=" + lastId);
    source.onopen = function () { if (indicator) { indicator.hidden = false; } };
    source.onmessage = function (message) {
      appendEvent(JSON.parse(message.data));
      scheduleRefresh();
    };
    source.addEventListener("status", function (message) {
      var status = JSON.parse(message.data);
      liveStatus.textContent = "Run is " + status.status.replace("_", " ") + ", step " + status.seq;
    });
    source.addEventListener("end", function () {
      source.close();
      if (indicator) { indicator.hidden = true; }
      root.dataset.ended = "true";
      scheduleRefresh();
    });
    // On network errors EventSource reconnects by itself (sending Last-Event-ID), which also
    // covers the server closing a stream at its time limit. A refusal (503: the server has as
    // many viewers as it serves at once) closes it for good: try again a little later.
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED && root.dataset.ended !== "true") {
        setTimeout(connect, 10000);
        scheduleRefresh();
      }
    };
  }

  if (root.dataset.ended !== "true") { connect(); }
})();
