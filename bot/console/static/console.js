// The agent console: queue, follow-ups, past chats and the chat view, live over /console/socket;
// writes through the API with the session's CSRF token. Every text from customers is set with
// textContent (no HTML). The console's own labels are here and in console.html.
(function () {
  "use strict";
  var TITLE = document.title;
  var MUTE_KEY = "rapport.console.muted";
  var me = null;
  var queue = [];
  var followUps = [];
  var selected = null; // the open handoff id
  var selectedHandoff = null;
  var socket = null;
  var typingTimer = null;
  var toneTimer = null;
  var canned = [];
  var pendingDraft = null; // a flagged reply waiting for the agent's decision
  var gap = null; // {text, words}: the placeholder of a used suggestion, until the agent fills it
  var known = null; // handoff id -> {state, claimed_by, customer_messages} of the last queue seen
  var unread = {}; // handoff id -> true when a customer wrote in a chat the agent has not looked at
  var receivedAt = Date.now();
  var audio = null;
  var flagged = {}; // texts of this chat's replies that were sent over the tone guard
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

  var call = window.consoleApi(function () { return me ? me.csrf_token : ""; });

  // -- time ----------------------------------------------------------------------------------

  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
    return h ? h + ":" + mm : mm;
  }

  // Times as the shop says them: its locale and timezone (from /api/me; the browser's until then).
  var formats = null;

  function useShopTime(locale, timezone) {
    var zone = timezone ? { timeZone: timezone } : {};
    function format(options) {
      try { return new Intl.DateTimeFormat(locale || [], Object.assign({}, zone, options)); }
      catch (e) { return new Intl.DateTimeFormat([], options); } // an unknown zone or locale
    }
    formats = {
      time: format({ hour: "2-digit", minute: "2-digit" }),
      full: format({ day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" }),
      day: format({ year: "numeric", month: "2-digit", day: "2-digit" })
    };
  }

  function timeOf(value) {
    if (value === null || value === undefined || value === "") return "";
    if (typeof value === "string" && /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(value)) {
      value = value.replace(" ", "T") + "Z"; // the memory's times are UTC
    }
    var date = typeof value === "number" ? new Date(value * 1000) : new Date(String(value).replace(" ", "T"));
    if (isNaN(date.getTime())) return "";
    if (!formats) useShopTime(null, null);
    var today = formats.day.format(new Date()) === formats.day.format(date);
    return (today ? formats.time : formats.full).format(date);
  }

  function tick() {
    var elapsed = (Date.now() - receivedAt) / 1000;
    document.querySelectorAll("#queue .wait").forEach(function (node) {
      node.textContent = "waiting " + clock(Number(node.dataset.seconds) + elapsed);
    });
  }

  // -- alerts --------------------------------------------------------------------------------

  function muted() { return localStorage.getItem(MUTE_KEY) === "1"; }

  function showMute() {
    $("mute").textContent = muted() ? "Sound off" : "Sound on";
    $("mute").setAttribute("aria-pressed", muted() ? "true" : "false");
  }

  function beep() {
    if (muted()) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tone = audio.createOscillator(), gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.25);
      tone.connect(gain); gain.connect(audio.destination);
      tone.start(); tone.stop(audio.currentTime + 0.25);
    } catch (e) { /* no sound where the browser allows none; the title and list still show */ }
  }

  function alertAgent(text) {
    var list = $("alerts");
    var li = el("li", null, "[" + timeOf(Date.now() / 1000) + "] " + text);
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 5) list.removeChild(list.lastChild);
    beep();
    if (window.Notification && Notification.permission === "granted" && document.hidden) {
      try { new Notification("Rapport", { body: text, tag: "rapport-console" }); } catch (e) { /* ignore */ }
    }
    showTitle();
  }

  function showTitle() {
    var waiting = queue.filter(function (item) { return item.state === "waiting"; }).length;
    var count = waiting + Object.keys(unread).length;
    document.title = count ? "(" + count + ") " + TITLE : TITLE;
  }

  function customerName(item) {
    var customer = item.customer || {};
    return customer.name || "Customer #" + (customer.short_id || item.id);
  }

  // What changed since the last queue: a new waiting chat, a chat transferred to this agent,
  // a customer's new message in a chat this agent has.
  function noticeChanges(items) {
    var before = known;
    known = {};
    items.forEach(function (item) {
      known[item.id] = { state: item.state, claimed_by: item.claimed_by, said: item.customer_messages || 0 };
      if (before === null) return;
      var was = before[item.id];
      var mine = item.state === "claimed" && item.claimed_by === me.agent;
      if (!was && item.state === "waiting") {
        alertAgent("New chat waiting: " + customerName(item) + (item.first_line ? " – " + item.first_line : ""));
      } else if (mine && was && was.claimed_by !== me.agent && item.transferred_from && item.transferred_from !== me.agent) {
        alertAgent(item.transferred_from + " transferred " + customerName(item) + " to you" +
          (item.transfer_note ? ": " + item.transfer_note : ""));
        if (item.id !== selected) unread[item.id] = true;
      } else if (mine && was && (item.customer_messages || 0) > was.said && (item.id !== selected || document.hidden)) {
        unread[item.id] = true;
        alertAgent("New message from " + customerName(item));
      }
    });
    Object.keys(unread).forEach(function (id) { if (!known[id]) delete unread[id]; });
  }

  // -- lists ---------------------------------------------------------------------------------

  var REASONS = {
    customer_asked: "asked for a person", fallback: "bot could not help",
    complaint: "complaint", at_risk: "at risk and unhappy", say_yes: "needs a decision",
    reach_out: "a manager asked us to reach out"
  };

  function chatEntry(item, withWait) {
    var li = el("li");
    li.dataset.id = item.id;
    var classes = [];
    if (item.id === selected) classes.push("selected");
    if (item.serious) classes.push("serious");
    if (item.customer && item.customer.at_risk) classes.push("at-risk");
    if (unread[item.id]) classes.push("unread");
    li.className = classes.join(" ");
    var customer = item.customer || {};
    var head = el("div", "head");
    head.appendChild(el("strong", "name", customerName(item)));
    if (item.serious) head.appendChild(el("span", "badge serious-badge", "serious"));
    if (customer.at_risk) head.appendChild(el("span", "badge risk-badge", "at risk"));
    li.appendChild(head);
    li.appendChild(el("div", "meta", (customer.stage ? "Stage: " + customer.stage + " · " : "") + (REASONS[item.reason] || item.reason)));
    if (item.first_line) li.appendChild(el("div", "asked", "“" + item.first_line + "”"));
    if (withWait) {
      if (item.state === "claimed") {
        li.appendChild(el("div", "meta state", "with " + item.claimed_by + (item.offline ? " · left a message" : "")));
      } else {
        var wait = el("div", "meta state wait", "waiting " + clock(item.waiting_seconds));
        wait.dataset.seconds = item.waiting_seconds;
        li.appendChild(wait);
        if (item.offline) li.appendChild(el("div", "meta", "left a message"));
      }
      if (item.contact) li.appendChild(el("div", "meta contact", "Reply to: " + item.contact));
    } else {
      li.appendChild(el("div", "meta", (item.outcome === "follow_up" ? "follow-up promised" : "resolved") +
        (item.resolved_at ? " " + timeOf(item.resolved_at) : "") + (item.claimed_by ? " by " + item.claimed_by : "")));
    }
    li.addEventListener("click", function () { open(item.id); });
    return li;
  }

  function renderQueue() {
    var list = $("queue");
    list.textContent = "";
    $("queue-empty").hidden = queue.length > 0;
    queue.forEach(function (item) { list.appendChild(chatEntry(item, true)); });
    var current = queue.filter(function (item) { return item.id === selected; })[0];
    if (current) renderState(current);
    showTitle();
  }

  function renderFollowUps() {
    var list = $("follow-ups");
    list.textContent = "";
    $("follow-ups-empty").hidden = followUps.length > 0;
    followUps.forEach(function (f) {
      var li = el("li");
      li.dataset.id = f.handoff_id;
      var overdue = f.due_at && new Date(f.due_at) < new Date();
      li.className = overdue ? "overdue" : "";
      li.appendChild(el("strong", "name", customerName({ id: f.handoff_id, customer: f.customer })));
      li.appendChild(el("div", "asked", f.what));
      li.appendChild(el("div", "meta", (f.owner || "team") + " · due " + timeOf(f.due_at) + (overdue ? " (overdue)" : "")));
      var keep = el("button", "keep", "Kept");
      keep.type = "button";
      keep.addEventListener("click", function (event) {
        event.stopPropagation();
        call("POST", "/follow-ups/" + f.promise_id + "/keep").then(function () {
          followUps = followUps.filter(function (x) { return x.promise_id !== f.promise_id; });
          renderFollowUps();
          if (selected === f.handoff_id) open(selected);
        }).catch(function (e) { problem(e.message); });
      });
      li.appendChild(keep);
      li.addEventListener("click", function () { open(f.handoff_id); });
      list.appendChild(li);
    });
  }

  function searchPast() {
    var words = $("past-q").value.trim();
    return call("GET", "/past?q=" + encodeURIComponent(words)).then(function (data) {
      var list = $("past");
      list.textContent = "";
      if (!data.chats.length) list.appendChild(el("li", "hint", words ? "No past chat matches “" + words + "”." : "No past chats yet."));
      data.chats.forEach(function (item) { list.appendChild(chatEntry(item, false)); });
    }).catch(function (e) { problem(e.message); });
  }

  // -- the chat ------------------------------------------------------------------------------

  function renderState(handoff) {
    selectedHandoff = handoff;
    var mine = handoff.state === "claimed" && handoff.claimed_by === me.agent;
    if (handoff.customer) $("chat-title").textContent = "Chat with " + customerName(handoff);
    $("chat-state").textContent = handoff.state === "claimed"
      ? (mine ? "You have this chat" : "With " + handoff.claimed_by)
      : handoff.state === "waiting" ? "Waiting for an agent"
      : handoff.outcome === "follow_up" ? "Resolved · follow-up promised" : "Resolved";
    // What the customer was told, while it is still owed (the same due time as on the card).
    var promised = handoff.reply_promised_by ? "Promised a reply by " + timeOf(handoff.reply_promised_by) : "";
    $("chat-contact").textContent = [handoff.contact ? "Reply to: " + handoff.contact : "", promised]
      .filter(Boolean).join(" · ");
    $("chat-contact").hidden = !handoff.contact && !promised;
    var transferred = handoff.transferred_from && handoff.state === "claimed";
    $("transfer-info").textContent = transferred ? "Transferred by " + handoff.transferred_from +
      (handoff.transfer_note ? ": " + handoff.transfer_note : "") : "";
    $("transfer-info").hidden = !transferred;
    $("claim").hidden = handoff.state !== "waiting";
    ["release", "resolve", "follow-up"].forEach(function (id) { $(id).hidden = !mine; });
    $("transfer-form").hidden = !mine;
    if (!mine) $("follow-up-form").hidden = true;
    $("reply-form").hidden = !mine;
  }

  function renderMessages(messages) {
    var list = $("transcript");
    var atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 10;
    list.textContent = "";
    messages.forEach(function (message) {
      var sender = message.sender || "bot";
      var li = el("li", sender);
      var overridden = sender === "agent" && flagged[message.text];
      if (overridden) li.className += " flagged";
      var who = sender === "customer" ? "Customer" : sender === "agent" ? (message.agent || "Agent") : "Bot";
      var head = el("span", "who", who);
      var at = timeOf(message.timestamp);
      if (at) {
        var time = el("time", "at", at);
        time.dateTime = new Date(message.timestamp * 1000).toISOString();
        head.appendChild(time);
      }
      if (overridden) head.appendChild(el("span", "badge flag-badge", "sent over the tone guard"));
      li.appendChild(head);
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

  function renderCard(data) {
    var card = data.card;
    var dl = $("card-facts");
    dl.textContent = "";
    $("card").hidden = false;
    if (!card) {
      addFact(dl, "Customer", "First conversation: nothing remembered yet.");
    } else {
      addFact(dl, "Name", card.name);  // no name told: no row (addFact skips it)
      addFact(dl, "Stage", card.stage + (card.at_risk ? " (at risk)" : ""));
      addFact(dl, "Why", card.reasons);
      addFact(dl, "Talked about", (card.topics || []).join(", "));
      addFact(dl, "Preferences", (card.preferences || []).map(function (f) { return f.kind.replace(/_/g, " ") + ": " + f.value; }));
      addFact(dl, "Aspirations", card.aspirations);
      addFact(dl, "Open issues", (card.open_issues || []).map(function (i) { return i.kind + ": " + i.summary; }));
      addFact(dl, "Open promises", (card.promises_due || []).map(function (p) {
        return p.text + (p.due_at ? " – due " + timeOf(p.due_at) : "") + (p.overdue ? " (overdue)" : "");
      }));
      addFact(dl, "Satisfaction", card.satisfaction_trend + (card.recent_ratings && card.recent_ratings.length ? " (" + card.recent_ratings.join(", ") + ")" : ""));
      addFact(dl, "Visits", String(card.visits));
      addFact(dl, "Loyalty", card.loyalty_status);
    }
    addFact(dl, "Left a message", data.left_message);
    var f = data.follow_up;
    addFact(dl, "Follow-up", f ? f.what + " – " + (f.owner || "team") + ", due " + timeOf(f.due_at) + (f.state === "kept" ? " (kept)" : " (waiting for us)") : null);
    $("follow-up-info").textContent = f ? "Follow-up " + (f.state === "kept" ? "kept" : "waiting for us") + ": " + f.what + " (due " + timeOf(f.due_at) + ")" : "";
    $("follow-up-info").hidden = !f;
    var list = $("happened");
    list.textContent = "";
    (data.happened || []).forEach(function (line) { list.appendChild(el("li", null, line)); });
    if (!(data.happened || []).length) list.appendChild(el("li", "hint", "Nothing booked or decided yet."));
    list = $("sent-anyway");
    list.textContent = "";
    (data.sent_anyway || []).forEach(function (s) {
      var kinds = s.findings.map(function (x) { return x.kind + " (“" + x.span + "”)"; }).join(", ");
      list.appendChild(el("li", null, s.agent + " at " + timeOf(s.at) + ": “" + s.text + "” – " + kinds));
    });
    list = $("earlier-chats");
    list.textContent = "";
    (data.earlier_chats || []).forEach(function (item) { list.appendChild(chatEntry(item, false)); });
    if (!(data.earlier_chats || []).length) list.appendChild(el("li", "hint", "None."));
    renderNotes(data.notes);
  }

  function renderNotes(notes) {
    var list = $("notes");
    list.textContent = "";
    (notes || []).forEach(function (n) { list.appendChild(el("li", null, n.agent + ": " + n.text)); });
  }

  function open(id) {
    if (selected !== id) { hideConfirm(); gap = null; $("reply").value = ""; }
    selected = id;
    delete unread[id];
    $("chat").hidden = false;
    $("tone").textContent = "";
    $("customer-typing").hidden = true;
    renderQueue();
    call("GET", "/handoffs/" + id).then(function (data) {
      flagged = {};
      (data.sent_anyway || []).forEach(function (s) { flagged[s.text] = true; });
      renderState(data.handoff);
      renderMessages(data.messages);
      renderCard(data);
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
      if (data.type === "queue") {
        queue = data.queue;
        followUps = data.follow_ups || [];
        showOnline(data.agents_online || []);
        receivedAt = Date.now();
        noticeChanges(queue);
        renderQueue();
        renderFollowUps();
        var gone = selected !== null && !queue.some(function (item) { return item.id === selected; });
        if (gone && selectedHandoff && selectedHandoff.state !== "resolved") open(selected);
      } else if (data.type === "messages" && data.handoff_id === selected) {
        renderMessages(data.messages);
        $("customer-typing").hidden = true;
      } else if (data.type === "customer_typing" && data.handoff_id === selected) {
        $("customer-typing").hidden = !data.typing;
      } else if (data.type === "error") problem(data.error);
    };
    socket.onclose = function (event) {
      $("live").textContent = "reconnecting…";
      if (event.code === 4401) { location.href = "/console/sign-in"; return; }
      setTimeout(connect, 2000);
    };
  }

  function showOnline(names) {
    var select = $("transfer-to");
    var others = names.filter(function (n) { return n !== me.agent; });
    var shown = Array.prototype.map.call(select.options, function (o) { return o.value; });
    if (shown.join("\n") === others.join("\n")) return;
    var chosen = select.value;
    select.textContent = "";
    others.forEach(function (n) {
      var option = el("option", null, n); option.value = n; select.appendChild(option);
    });
    if (others.indexOf(chosen) >= 0) select.value = chosen;
    $("transfer").disabled = !others.length;
  }

  // -- composer ------------------------------------------------------------------------------

  function checkTone() {
    var text = $("reply").value;
    if (!text.trim()) { $("tone").textContent = ""; return Promise.resolve(); }
    return call("POST", "/tone", { text: text }).then(function (verdict) {
      if ($("reply").value !== text) return;
      var list = $("tone");
      list.textContent = "";
      verdict.findings.forEach(function (f) {
        list.appendChild(el("li", null, "⚠ " + f.kind + ": “" + f.span + "”. Try: " + f.suggestion));
      });
    }).catch(function () { /* the check while typing is advice; Send checks again */ });
  }

  function hideConfirm() {
    pendingDraft = null;
    $("tone-confirm").hidden = true;
  }

  function askToConfirm(text, verdict) {
    pendingDraft = { text: text, findings: verdict.findings, rewrite: verdict.rewrite, use: verdict.use };
    var list = $("tone-confirm-findings");
    list.textContent = "";
    verdict.findings.forEach(function (f) {
      list.appendChild(el("li", null, f.kind + ": “" + f.span + "”. Try: " + f.suggestion));
    });
    $("tone-confirm").hidden = false;
    $("use-suggestion").focus();
  }

  function send(text, confirmed) {
    clearTimeout(typingTimer); typingTimer = null;
    clearTimeout(toneTimer);
    // Clear the box now, not when the server answers: by then the agent may be typing the
    // next reply. A send that does not go out puts the text back if the box is still empty.
    $("reply").value = ""; $("tone").textContent = "";
    hideConfirm();
    var id = selected;
    if (confirmed) flagged[text] = true;
    act("/messages", { text: text, confirmed: !!confirmed }).then(function (data) {
      var sent = data && data.sent;
      if (!sent && !$("reply").value && selected === id) $("reply").value = text;
      if (data && data.unfinished && selected === id) problem(data.unfinished);
      if (data && data.handoff && selected === id) open(id); // a promise kept: the card too
      if (data && data.tone && selected === id) askToConfirm(text, data.tone);
    });
  }

  function insertAtCursor(text) {
    var box = $("reply");
    var start = box.selectionStart, end = box.selectionEnd;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.selectionStart = box.selectionEnd = start + text.length;
    box.focus();
    box.dispatchEvent(new Event("input"));
  }

  $("reply").addEventListener("input", function () {
    if (!typingTimer) act("/typing", { typing: true });
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { typingTimer = null; act("/typing", { typing: false }); }, 3000);
    clearTimeout(toneTimer);
    toneTimer = setTimeout(checkTone, 400);
  });
  $("reply").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("reply-form").requestSubmit();
    } else if (event.altKey && /^Digit[1-9]$/.test(event.code)) {
      var reply = canned[Number(event.code.slice(5)) - 1];
      if (reply) { event.preventDefault(); insertAtCursor(reply.text); }
    }
  });
  $("reply-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("reply").value.trim();
    if (gap && text.indexOf(gap.text) >= 0) {
      // A used suggestion is never sent before the agent says what it promises.
      var at = $("reply").value.indexOf(gap.text);
      $("reply").focus();
      $("reply").setSelectionRange(at, at + gap.text.length);
      problem(gap.words);
      return;
    }
    gap = null;
    problem("");
    if (text) send(text, false);
  });
  $("send-anyway").addEventListener("click", function () {
    if (pendingDraft) send(pendingDraft.text, true);
  });
  $("edit-draft").addEventListener("click", function () { hideConfirm(); $("reply").focus(); });
  $("use-suggestion").addEventListener("click", function () {
    if (!pendingDraft) return;
    // Only the hurtful parts replaced, the rest as the agent wrote it (bot/console/suggestion.py);
    // a suggestion that promises more leaves its placeholder selected for the agent to finish.
    var use = pendingDraft.use || { text: pendingDraft.rewrite || pendingDraft.text, select: null };
    hideConfirm();
    var box = $("reply");
    box.value = use.text;
    box.focus();
    if (use.select) {
      gap = { text: use.text.slice(use.select[0], use.select[1]), words: use.unfinished || "" };
      box.setSelectionRange(use.select[0], use.select[1]);
    } else {
      gap = null;
      box.setSelectionRange(use.text.length, use.text.length);
    }
    checkTone();
  });
  $("canned").addEventListener("change", function () {
    var reply = canned[Number($("canned").value)];
    $("canned").value = "";
    if (reply) insertAtCursor(reply.text);
  });

  // -- the chat's actions --------------------------------------------------------------------

  $("note-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("note").value.trim();
    if (!text) return;
    act("/notes", { text: text }).then(function (data) {
      if (data && data.notes) { $("note").value = ""; renderNotes(data.notes); }
    });
  });
  $("claim").addEventListener("click", function () { act("/claim"); });
  $("release").addEventListener("click", function () { act("/release"); });
  $("transfer-form").addEventListener("submit", function (event) {
    event.preventDefault();
    act("/transfer", { to: $("transfer-to").value, note: $("transfer-note").value }).then(function (data) {
      if (data && data.handoff) $("transfer-note").value = "";
    });
  });
  $("resolve").addEventListener("click", function () {
    act("/resolve", { outcome: "resolved" }).then(function () { open(selected); searchPast(); });
  });
  $("follow-up").addEventListener("click", function () {
    var due = new Date(Date.now() + 24 * 3600 * 1000);
    due.setMinutes(0, 0, 0);
    var local = new Date(due.getTime() - due.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    if (!$("follow-up-due").value) $("follow-up-due").value = local;
    $("follow-up-form").hidden = false;
    $("follow-up-what").focus();
  });
  $("follow-up-cancel").addEventListener("click", function () { $("follow-up-form").hidden = true; });
  $("follow-up-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var due = new Date($("follow-up-due").value);
    act("/resolve", { outcome: "follow_up", what: $("follow-up-what").value, due_at: due.toISOString() }).then(function (data) {
      if (data && data.handoff) {
        $("follow-up-form").hidden = true;
        $("follow-up-what").value = ""; $("follow-up-due").value = "";
        open(selected);
        searchPast();  // the chat just resolved is a past chat now
      }
    });
  });
  $("past-form").addEventListener("submit", function (event) { event.preventDefault(); searchPast(); });
  $("mute").addEventListener("click", function () {
    localStorage.setItem(MUTE_KEY, muted() ? "0" : "1");
    showMute();
  });
  $("notify").addEventListener("click", function () {
    Notification.requestPermission().then(function () { $("notify").hidden = Notification.permission !== "default"; });
  });
  $("sign-out").addEventListener("click", function () {
    call("POST", "/../sign-out").finally(function () { location.href = "/console/sign-in"; });
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && selected !== null) { delete unread[selected]; showTitle(); renderQueue(); }
  });

  showMute();
  $("notify").hidden = !(window.Notification && Notification.permission === "default");
  setInterval(tick, 1000);
  call("GET", "/me").then(function (data) {
    me = data;
    useShopTime(me.locale, me.timezone);
    $("who").textContent = "Signed in as " + me.agent;
    $("insights-link").hidden = me.role !== "manager";
    connect();
    searchPast();
    return call("GET", "/canned");
  }).then(function (data) {
    canned = (data && data.replies) || [];
    canned.forEach(function (reply, i) {
      var option = el("option", null, (i < 9 ? "Alt+" + (i + 1) + " · " : "") + reply.title);
      option.value = String(i);
      $("canned").appendChild(option);
    });
  }).catch(function (e) { problem(e.message); });
})();
