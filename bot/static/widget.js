/*
 * Rapport's chat widget. A shop embeds it with one tag:
 *   <script src="https://BOT-HOST/widget.js" data-title="Chat with us" async></script>
 * and, for a signed-in customer, renders before it:
 *   window.RapportSettings = {customerId: "123", signature: "<hex HMAC-SHA256 of the id>", name: "Alex"};
 *   (or, for an identity that lapses, `expires: <Unix seconds>` with the HMAC of "123|<expires>")
 * No build step: plain browser JavaScript. Message text is only ever set with textContent;
 * links become <a> elements only for http(s) URLs.
 */
(function () {
  "use strict";
  if (window.__rapportWidget) return;
  window.__rapportWidget = true;

  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  var base = new URL(script ? script.src : "/widget.js", window.location.href).origin;
  var title = (script && script.getAttribute("data-title")) || "Chat with us";
  // The shop's colour (data-color="#0b5d3b"): header, buttons, the customer's bubbles, focus.
  var accent = script && script.getAttribute("data-color");
  var identity = window.RapportSettings || {};
  var TOKEN_KEY = "rapport.session";
  var OPEN_KEY = "rapport.open";
  var RATED_KEY = "rapport.rated";
  var SIGNED_IN_KEY = "rapport.signedIn";

  function storageGet(store, key) {
    try { return window[store].getItem(key); } catch (e) { return null; }
  }
  function storageSet(store, key, value) {
    try {
      if (value === null) window[store].removeItem(key); else window[store].setItem(key, value);
    } catch (e) { /* storage can be disabled; the widget still works for this page */ }
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Text with http(s) links made clickable; everything else stays text.
  var URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
  function renderText(container, text) {
    var last = 0;
    String(text).replace(URL_PATTERN, function (match, offset) {
      var url = match.replace(/[.,;:!?)\]]+$/, "");
      container.appendChild(document.createTextNode(text.slice(last, offset)));
      var parsed = null;
      try { parsed = new URL(url); } catch (e) { parsed = null; }
      if (parsed && (parsed.protocol === "http:" || parsed.protocol === "https:")) {
        var link = el("a", { href: parsed.href, target: "_blank", rel: "noopener noreferrer nofollow" }, url);
        container.appendChild(link);
      } else {
        container.appendChild(document.createTextNode(url));
      }
      last = offset + url.length;
      return match;
    });
    container.appendChild(document.createTextNode(text.slice(last)));
  }

  function chatIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "28");
    svg.setAttribute("height", "28");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z");
    svg.appendChild(path);
    return svg;
  }

  // ---- the DOM, in a shadow root so the shop's styles and ours don't mix ----
  var host = el("div", { id: "rapport-widget" });
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  if (accent && /^#[0-9a-fA-F]{3,8}$/.test(accent)) host.style.setProperty("--rapport-accent", accent);
  root.appendChild(el("link", { rel: "stylesheet", href: base + "/widget.css" }));

  var launcher = el("button", {
    type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "rapport-panel",
    "aria-label": "Open chat: " + title
  });
  launcher.appendChild(chatIcon());
  var badge = el("span", { class: "badge", hidden: "" }, "0");
  launcher.appendChild(badge);

  var panel = el("section", { id: "rapport-panel", class: "panel", role: "dialog", "aria-label": title, hidden: "" });
  var header = el("header", { class: "header" });
  var heading = el("h2", { class: "title" }, title);
  // Who answers and when (from the server's welcome); the connection only when it is lost.
  var status = el("p", { class: "status", role: "status" }, "");
  var closeButton = el("button", { type: "button", class: "close", "aria-label": "Close chat" }, "×");
  var titles = el("div", { class: "titles" });
  titles.appendChild(heading);
  titles.appendChild(status);
  header.appendChild(titles);
  header.appendChild(closeButton);
  var errorBox = el("div", { class: "error", role: "alert", hidden: "" });
  var list = el("ol", { class: "messages", role: "log", "aria-live": "polite", "aria-label": "Conversation", tabindex: "0" });
  var typing = el("div", { class: "typing", hidden: "", "aria-live": "polite" });
  var replies = el("div", { class: "quick-replies", role: "group", "aria-label": "Suggested replies" });
  var rating = el("fieldset", { class: "rating", hidden: "" });
  rating.appendChild(el("legend", {}, "How did we do today?"));
  [1, 2, 3, 4, 5].forEach(function (n) {
    var star = el("button", { type: "button", class: "star", "data-rating": String(n), "aria-label": n + " out of 5" }, "★");
    star.addEventListener("click", function () { sendRating(n); });
    rating.appendChild(star);
  });
  var form = el("form", { class: "composer" });
  var inputId = "rapport-input";
  form.appendChild(el("label", { for: inputId, class: "visually-hidden" }, "Your message"));
  var input = el("input", { id: inputId, class: "input", type: "text", autocomplete: "off", placeholder: "Type a message…", maxlength: "2000" });
  var sendButton = el("button", { type: "submit", class: "send" }, "Send");
  form.appendChild(input);
  form.appendChild(sendButton);
  [header, errorBox, list, typing, replies, rating, form].forEach(function (part) { panel.appendChild(part); });
  root.appendChild(launcher);
  root.appendChild(panel);

  // ---- state ----
  var socket = null;
  var ready = false;
  var outbox = [];
  // What the customer sent since this connection asked for its session: the history that
  // follows may not hold it yet, and redrawing from it must not make it vanish.
  var sentBeforeHistory = [];
  var unread = 0;
  var shownIds = {};
  var welcome = null; // the server's `rapport_welcome`: greeting, menu, availability
  var lastShown = null; // the time of the last message shown, for day separators

  function setStatus(text, state) {
    host.setAttribute("data-connection", state);
    status.setAttribute("data-state", state);
    if (state === "online") {
      status.textContent = (welcome && welcome.availability && welcome.availability.text) || "";
      status.setAttribute("data-availability", (welcome && welcome.availability && welcome.availability.state) || "");
    } else {
      status.textContent = text;
    }
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  function setUnread(count) {
    unread = count;
    badge.textContent = String(count);
    badge.hidden = count === 0;
    launcher.setAttribute("aria-label", "Open chat: " + title + (count ? " (" + count + " unread)" : ""));
  }

  function isOpen() { return !panel.hidden; }

  function openPanel(focus) {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    storageSet("sessionStorage", OPEN_KEY, "1");
    setUnread(0);
    list.scrollTop = list.scrollHeight;
    if (focus) input.focus();
  }

  function closePanel() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    storageSet("sessionStorage", OPEN_KEY, null);
    launcher.focus();
  }

  function clearReplies() { while (replies.firstChild) replies.removeChild(replies.firstChild); }

  function showReplies(quickReplies) {
    clearReplies();
    (quickReplies || []).forEach(function (reply) {
      var button = el("button", { type: "button", class: "reply" }, reply.title);
      button.addEventListener("click", function () {
        clearReplies();
        send(reply.payload, reply.title);
      });
      replies.appendChild(button);
    });
  }

  // Times in the customer's own language and clock (the browser's locale), no words of ours.
  function clockTime(date) {
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }
  function dayLabel(date) {
    var today = new Date();
    var days = Math.round((new Date(date.getFullYear(), date.getMonth(), date.getDate()) -
      new Date(today.getFullYear(), today.getMonth(), today.getDate())) / 86400000);
    if (days === 0 || days === -1) {
      var relative = new Intl.RelativeTimeFormat([], { numeric: "auto" }).format(days, "day");
      return relative.charAt(0).toUpperCase() + relative.slice(1);
    }
    return date.toLocaleDateString([], { weekday: "long", day: "numeric", month: "long" });
  }
  var VISIT_GAP_MS = 60 * 60 * 1000; // a new visit: a separator even on the same day

  function separate(when) {
    var gap = lastShown === null ? Infinity : when - lastShown;
    var newDay = lastShown === null || when.toDateString() !== lastShown.toDateString();
    lastShown = when;
    if (!newDay && gap < VISIT_GAP_MS) return;
    var label = dayLabel(when) + (newDay ? "" : " " + clockTime(when));
    var line = el("li", { class: "day", role: "separator" });
    line.appendChild(el("span", {}, label));
    list.appendChild(line);
  }

  function stamp(message) {
    var seconds = Number(message.timestamp);
    return isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : new Date();
  }

  function addNotice(message) {
    var when = stamp(message);
    separate(when);
    var item = el("li", { class: "notice", "data-notice": message.notice });
    item.appendChild(el("span", {}, message.text));
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
  }

  function removeWelcome() {
    var shown = list.querySelector(".welcome");
    if (shown) shown.parentNode.removeChild(shown);
  }

  function showWelcome() {
    if (!welcome || !welcome.greeting || list.querySelector(".message, .notice")) return;
    removeWelcome();
    var item = el("li", { class: "welcome" });
    var bubble = el("p", { class: "bubble" });
    renderText(bubble, welcome.greeting);
    item.appendChild(bubble);
    list.appendChild(item);
    if (!replies.firstChild) showReplies(welcome.quick_replies);
  }

  function addMessage(message) {
    if (message.id && shownIds[message.id]) return;
    if (message.id) shownIds[message.id] = true;
    if (message.notice && message.text) { addNotice(message); return; }
    var sender = message.sender || (message.agent ? "agent" : "bot");
    var item = el("li", { class: "message from-" + sender });
    var who = sender === "customer" ? "You" : sender === "agent" ? (message.agent || "Agent") : title;
    item.appendChild(el("span", { class: sender === "agent" ? "who" : "who visually-hidden" }, who + (sender === "agent" ? "" : ":")));
    if (message.text) {
      var bubble = el("p", { class: "bubble" });
      renderText(bubble, message.text);
      item.appendChild(bubble);
    }
    if (message.image || (message.attachment && message.attachment.payload && message.attachment.payload.src)) {
      var src = message.image || message.attachment.payload.src;
      var link = el("p", { class: "bubble" });
      renderText(link, String(src));
      item.appendChild(link);
    }
    if (item.childNodes.length > 1) {
      var when = stamp(message);
      separate(when);
      item.appendChild(el("time", { class: "time", datetime: when.toISOString(), title: when.toLocaleString() }, clockTime(when)));
      list.appendChild(item);
    }
    list.scrollTop = list.scrollHeight;
  }

  // Live messages keep Rasa's shapes ({text}, {text, quick_replies}, {attachment}); what only
  // this widget uses (id, sender, agent, rating request, notices) travels in their metadata.
  function fromWire(message) {
    var flat = {};
    var extras = message.metadata || {};
    Object.keys(extras).forEach(function (key) { flat[key] = extras[key]; });
    Object.keys(message).forEach(function (key) { if (key !== "metadata") flat[key] = message[key]; });
    return flat;
  }

  function receive(message, live) {
    typing.hidden = true;
    addMessage(message);
    showReplies(message.quick_replies);
    rating.hidden = !(message.rating_request && !storageGet("localStorage", RATED_KEY + "." + conversationKey()));
    // The stars go under the last message, never over it.
    if (!rating.hidden && rating.scrollIntoView) rating.scrollIntoView({ block: "nearest" });
    list.scrollTop = list.scrollHeight;
    if (live && !isOpen() && message.text) setUnread(unread + 1);
  }

  function conversationKey() {
    return identity.customerId ? "c:" + identity.customerId : storageGet("localStorage", TOKEN_KEY) || "";
  }

  function emitMessage(text, metadata) {
    socket.emit("user_uttered", { message: text, session_id: storageGet("localStorage", TOKEN_KEY), metadata: metadata || {} });
  }

  function send(text, shownText, metadata) {
    addMessage({ sender: "customer", text: shownText || text });
    if (sentBeforeHistory) sentBeforeHistory.push(shownText || text);
    typing.textContent = title + " is typing…";
    typing.hidden = false;
    if (ready) emitMessage(text, metadata); else outbox.push([text, metadata]);
  }

  function sendRating(n) {
    rating.hidden = true;
    storageSet("localStorage", RATED_KEY + "." + conversationKey(), String(n));
    send("I rate this conversation " + n + " out of 5", "Rated " + n + " out of 5 ★", { rating: n });
  }

  // ---- events ----
  launcher.addEventListener("click", function () { if (isOpen()) closePanel(); else openPanel(true); });
  closeButton.addEventListener("click", closePanel);
  // Escape closes from anywhere in the widget (the launcher too); on a phone the open panel
  // fills the screen, so Tab stays inside it.
  var phone = window.matchMedia ? window.matchMedia("(max-width: 480px)") : { matches: false };
  function focusable() {
    return Array.prototype.filter.call(
      panel.querySelectorAll("button, input, [tabindex]"),
      function (node) { return !node.disabled && node.offsetParent !== null; }
    );
  }
  root.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && isOpen()) { event.stopPropagation(); closePanel(); return; }
    if (event.key !== "Tab" || !isOpen() || !phone.matches) return;
    var nodes = focusable();
    if (!nodes.length) return;
    var active = root.activeElement || document.activeElement;
    if (event.shiftKey && active === nodes[0]) { event.preventDefault(); nodes[nodes.length - 1].focus(); }
    else if (!event.shiftKey && active === nodes[nodes.length - 1]) { event.preventDefault(); nodes[0].focus(); }
  });
  // The agent's console shows "customer is typing": a signal at most every two seconds.
  var typingSentAt = 0;
  input.addEventListener("input", function () {
    var now = Date.now();
    if (!ready || !input.value || now - typingSentAt < 2000) return;
    typingSentAt = now;
    socket.emit("customer_typing", { typing: true });
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });

  function connect() {
    setStatus("Connecting…", "connecting");
    socket = window.io(base, { transports: ["websocket", "polling"] });
    socket.on("connect", function () {
      ready = false;
      sentBeforeHistory = [];
      // Signed out since the last visit: the token of the signed-in time is dropped, so this
      // chat starts fresh (the server also gave it only an empty anonymous chat).
      if (storageGet("localStorage", SIGNED_IN_KEY) && !identity.customerId) {
        storageSet("localStorage", TOKEN_KEY, null);
      }
      storageSet("localStorage", SIGNED_IN_KEY, identity.customerId ? "1" : null);
      var request = { session_id: storageGet("localStorage", TOKEN_KEY) };
      if (identity.customerId) {
        request.customer = { id: String(identity.customerId), signature: identity.signature, name: identity.name };
        if (identity.expires != null) request.customer.expires = identity.expires;
      }
      socket.emit("session_request", request);
    });
    socket.on("session_confirm", function (confirmed) {
      var token = confirmed && confirmed.session_id ? confirmed.session_id : confirmed;
      storageSet("localStorage", TOKEN_KEY, token);
      ready = true;
      setStatus("Online", "online");
      while (outbox.length) { var next = outbox.shift(); emitMessage(next[0], next[1]); }
    });
    socket.on("rapport_welcome", function (data) {
      welcome = data || null;
      if (ready) setStatus("", "online");
      showWelcome();
    });
    socket.on("history", function (data) {
      while (list.firstChild) list.removeChild(list.firstChild);
      shownIds = {};
      lastShown = null;
      clearReplies();
      rating.hidden = true;
      var messages = (data && data.messages) || [];
      var told = messages.filter(function (message) { return message.sender === "customer"; })
        .map(function (message) { return message.text; });
      var unseen = (sentBeforeHistory || []).filter(function (text) {
        var at = told.indexOf(text);
        if (at < 0) return true;
        told.splice(at, 1);
        return false;
      });
      sentBeforeHistory = null;
      messages.forEach(function (message, index) {
        if (index === messages.length - 1 && message.sender !== "customer" && !unseen.length) receive(message, false);
        else addMessage(message);
      });
      unseen.forEach(function (text) { addMessage({ sender: "customer", text: text }); });
    });
    socket.on("bot_uttered", function (message) {
      var flat = fromWire(message || {});
      // A new chat after a refused or expired session: this widget says so with rapport_error
      // and clears its list; the notice is for widgets that keep an old transcript.
      if (flat.notice === "new_chat") return;
      receive(flat, true);
    });
    socket.on("typing", function (event) {
      if (!event) return;
      typing.textContent = (event.agent || title) + " is typing…";
      typing.hidden = !event.typing;
    });
    socket.on("rapport_error", function (error) {
      var message = (error && error.message) || "Something went wrong with the chat.";
      showError(message);
      if (window.console) window.console.warn("Rapport widget: " + (error && error.code) + ": " + message);
      document.dispatchEvent(new CustomEvent("rapport:error", { detail: error }));
    });
    socket.on("disconnect", function () { ready = false; setStatus("Reconnecting…", "reconnecting"); });
    socket.io.on("reconnect_attempt", function () { setStatus("Reconnecting…", "reconnecting"); });
    socket.on("connect_error", function () { setStatus("Offline, retrying…", "offline"); });
  }

  function start() {
    document.body.appendChild(host);
    if (storageGet("sessionStorage", OPEN_KEY)) openPanel(false);
    if (window.io) { connect(); return; }
    var loader = el("script", { src: base + "/widget/socket.io.min.js", async: "" });
    loader.addEventListener("load", connect);
    loader.addEventListener("error", function () { setStatus("Offline", "offline"); showError("The chat could not load. Please try again later."); });
    document.head.appendChild(loader);
  }

  window.Rapport = { open: function () { openPanel(true); }, close: closePanel };
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
