// The agent console: queue and chat view, live over /console/socket; writes through the API
// with the session's CSRF token. Every text from customers is set with textContent (no HTML).
(function () {
  "use strict";
  var me = null;
  var queue = [];
  var selected = null; // the open handoff id
  var socket = null;
  var typingTimer = null;
  var toneTimer = null;
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function problem(text) {
    $("problem").textContent = text || "";
    $("problem").hidden = !text;
  }

  function call(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: {} };
    if (method !== "GET") {
      options.headers["X-CSRF-Token"] = me ? me.csrf_token : "";
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body || {});
    }
    return fetch("/console/api" + path, options).then(function (res) {
      if (res.status === 401) { location.href = "/console/sign-in"; throw new Error("signed out"); }
      return res.json().then(function (data) {
        if (!res.ok) throw new Error(data.error || ("error " + res.status));
        return data;
      });
    });
  }

  function minutes(seconds) {
    if (seconds < 60) return "under a minute";
    var m = Math.round(seconds / 60);
    return m + " min";
  }

  var REASONS = {
    customer_asked: "asked for a person", fallback: "bot could not help",
    complaint: "complaint", at_risk: "at risk and unhappy", say_yes: "needs a decision"
  };

  function renderQueue() {
    var list = $("queue");
    list.textContent = "";
    $("queue-empty").hidden = queue.length > 0;
    queue.forEach(function (item) {
      var li = el("li");
      li.dataset.id = item.id;
      if (item.id === selected) li.className = "selected";
      var customer = item.customer || {};
      li.appendChild(el("strong", "name", customer.name || "Anonymous customer"));
      li.appendChild(el("div", "meta", (customer.stage || "new") + (customer.at_risk ? " · at risk" : "")));
      li.appendChild(el("div", "meta", "Reason: " + (REASONS[item.reason] || item.reason)));
      var state = item.state === "claimed" ? "with " + item.claimed_by : "waiting " + minutes(item.waiting_seconds);
      li.appendChild(el("div", "meta state", state + (item.offline ? " · left a message" : "")));
      if (item.contact) li.appendChild(el("div", "meta contact", "Reply to: " + item.contact));
      li.addEventListener("click", function () { open(item.id); });
      list.appendChild(li);
    });
    var current = queue.filter(function (item) { return item.id === selected; })[0];
    if (current) renderState(current);
  }

  function renderState(handoff) {
    var mine = handoff.state === "claimed" && handoff.claimed_by === me.agent;
    $("chat-state").textContent = handoff.state === "claimed"
      ? (mine ? "You have this chat" : "With " + handoff.claimed_by)
      : handoff.state === "waiting" ? "Waiting for an agent" : "Resolved";
    var promised = handoff.reply_by ? "Promised a reply by " + new Date(handoff.reply_by).toLocaleString() : "";
    $("chat-contact").textContent = [handoff.contact ? "Reply to: " + handoff.contact : "", promised]
      .filter(Boolean).join(" · ");
    $("chat-contact").hidden = !handoff.contact && !promised;
    $("claim").hidden = handoff.state !== "waiting";
    ["release", "transfer", "transfer-to", "resolve", "follow-up"].forEach(function (id) { $(id).hidden = !mine; });
    $("reply-form").hidden = !mine;
  }

  function renderMessages(messages) {
    var list = $("transcript");
    var atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 10;
    list.textContent = "";
    messages.forEach(function (message) {
      var sender = message.sender || "bot";
      var li = el("li", sender);
      var who = sender === "customer" ? "Customer" : sender === "agent" ? (message.agent || "Agent") : "Bot";
      li.appendChild(el("span", "who", who));
      li.appendChild(el("span", "text", message.text || ""));
      list.appendChild(li);
    });
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  function addFact(dl, label, value) {
    if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) return;
    dl.appendChild(el("dt", null, label));
    (Array.isArray(value) ? value : [value]).forEach(function (v) { dl.appendChild(el("dd", null, v)); });
  }

  function renderCard(card, notes) {
    var dl = $("card-facts");
    dl.textContent = "";
    $("card").hidden = false;
    if (!card) {
      addFact(dl, "Customer", "First conversation: nothing remembered yet.");
    } else {
      addFact(dl, "Name", card.name || "not given");
      addFact(dl, "Stage", card.stage + (card.at_risk ? " (at risk)" : ""));
      addFact(dl, "Why", card.reasons);
      addFact(dl, "Preferences", (card.preferences || []).map(function (f) { return f.kind + ": " + f.value; }));
      addFact(dl, "Aspirations", card.aspirations);
      addFact(dl, "Open issues", (card.open_issues || []).map(function (i) { return i.kind + ": " + i.summary; }));
      addFact(dl, "Promises", (card.promises_due || []).map(function (p) { return p.text + (p.overdue ? " (overdue)" : ""); }));
      addFact(dl, "Satisfaction", card.satisfaction_trend + (card.recent_ratings && card.recent_ratings.length ? " (" + card.recent_ratings.join(", ") + ")" : ""));
      addFact(dl, "Visits", String(card.visits) + (card.last_topics && card.last_topics.length ? " · topics: " + card.last_topics.join(", ") : ""));
      addFact(dl, "Loyalty", card.loyalty_status);
    }
    var list = $("notes");
    list.textContent = "";
    (notes || []).forEach(function (n) { list.appendChild(el("li", null, n.agent + ": " + n.text)); });
  }

  function open(id) {
    selected = id;
    $("chat").hidden = false;
    $("tone").textContent = "";
    renderQueue();
    call("GET", "/handoffs/" + id).then(function (data) {
      renderState(data.handoff);
      renderMessages(data.messages);
      renderCard(data.card, data.notes);
    }).catch(function (e) { problem(e.message); });
    if (socket && socket.readyState === 1) socket.send(JSON.stringify({ watch: id }));
  }

  function act(path, body) {
    problem("");
    return call("POST", "/handoffs/" + selected + path, body).then(function (data) {
      if (data.handoff) renderState(data.handoff);
      return data;
    }).catch(function (e) { problem(e.message); });
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/console/socket");
    socket.onopen = function () {
      $("live").textContent = "live";
      if (selected !== null) socket.send(JSON.stringify({ watch: selected }));
    };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "queue") { queue = data.queue; renderQueue(); }
      else if (data.type === "messages" && data.handoff_id === selected) renderMessages(data.messages);
      else if (data.type === "error") problem(data.error);
    };
    socket.onclose = function (event) {
      $("live").textContent = "reconnecting…";
      if (event.code === 4401) { location.href = "/console/sign-in"; return; }
      setTimeout(connect, 2000);
    };
  }

  function checkTone() {
    var text = $("reply").value;
    if (!text.trim()) { $("tone").textContent = ""; return Promise.resolve(); }
    return call("POST", "/tone", { text: text }).then(function (verdict) {
      var list = $("tone");
      list.textContent = "";
      verdict.findings.forEach(function (f) {
        list.appendChild(el("li", null, "⚠ " + f.kind + ": “" + f.span + "”. Try: " + f.suggestion));
      });
    }).catch(function () { /* the tone check is advice; sending still works */ });
  }

  $("reply").addEventListener("input", function () {
    if (!typingTimer) act("/typing", { typing: true });
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { typingTimer = null; act("/typing", { typing: false }); }, 3000);
    clearTimeout(toneTimer);
    toneTimer = setTimeout(checkTone, 400);
  });
  $("reply-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("reply").value.trim();
    if (!text) return;
    clearTimeout(typingTimer); typingTimer = null;
    // Clear the box now, not when the server answers: by then the agent may be typing the
    // next reply. A send that fails puts the text back if the box is still empty.
    $("reply").value = ""; $("tone").textContent = "";
    act("/messages", { text: text }).then(function (data) {
      if (!(data && data.sent) && !$("reply").value) $("reply").value = text;
    });
  });
  $("note-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("note").value.trim();
    if (!text) return;
    act("/notes", { text: text }).then(function (data) {
      if (data && data.notes) { $("note").value = ""; renderCard(null, data.notes); open(selected); }
    });
  });
  $("claim").addEventListener("click", function () { act("/claim"); });
  $("release").addEventListener("click", function () { act("/release"); });
  $("transfer").addEventListener("click", function () { act("/transfer", { to: $("transfer-to").value }); });
  ["resolve", "follow-up"].forEach(function (id) {
    $(id).addEventListener("click", function () { act("/resolve", { outcome: $(id).dataset.outcome }); });
  });
  $("sign-out").addEventListener("click", function () {
    call("POST", "/../sign-out").finally(function () { location.href = "/console/sign-in"; });
  });

  call("GET", "/me").then(function (data) {
    me = data;
    $("who").textContent = "Signed in as " + me.agent;
    var select = $("transfer-to");
    me.agents.filter(function (n) { return n !== me.agent; }).forEach(function (n) {
      var option = el("option", null, n); option.value = n; select.appendChild(option);
    });
    connect();
  }).catch(function (e) { problem(e.message); });
})();
