// The trainer's review inbox: groups of masked customer messages to label with an intent (or a
// new one, or ignore), each message linked to its conversation. Every text from customers is
// set with textContent (no HTML); writes carry the session's CSRF token.
(function () {
  "use strict";
  var NEW = "__new__";
  var IGNORE = "__ignore__";
  var state = { csrf: "", groups: [], intents: [], examples: {}, entities: [], reasons: {}, selected: null, spans: [] };
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function say(id, text) {
    $(id).textContent = text || "";
    $(id).hidden = !text;
  }

  var call = window.consoleApi(function () { return state.csrf; });

  function percent(confidence) {
    return confidence === null || confidence === undefined ? "?" : Math.round(confidence * 100) + "%";
  }

  function reasonTags(parent, reasons) {
    (reasons || []).forEach(function (reason) {
      var tag = el("span", "reason", state.reasons[reason] || reason);
      tag.dataset.reason = reason;
      parent.appendChild(tag);
    });
  }

  function renderGroups() {
    var list = $("groups");
    list.textContent = "";
    $("empty").hidden = state.groups.length > 0;
    var total = state.groups.reduce(function (n, g) { return n + g.items.length; }, 0);
    $("count").textContent = total ? "(" + total + ")" : "";
    state.groups.forEach(function (group) {
      var li = el("li");
      li.dataset.key = group.key;
      if (state.selected && state.selected.key === group.key) li.className = "selected";
      li.appendChild(el("span", "count", "×" + group.items.length));
      li.appendChild(el("div", "text", group.items[0].text));
      li.appendChild(el("div", "meta", "guessed " + (group.intent || "nothing") + " · " + percent(group.confidence)));
      reasonTags(li, group.reasons);
      li.addEventListener("click", function () { select(group.key); });
      list.appendChild(li);
    });
  }

  function checkedIds() {
    var ids = [];
    document.querySelectorAll("#messages input[type=checkbox]").forEach(function (box) {
      if (box.checked) ids.push(Number(box.value));
    });
    return ids;
  }

  function renderSpans() {
    var list = $("spans");
    list.textContent = "";
    state.spans.forEach(function (span) {
      list.appendChild(el("li", null, span.entity + ": " + span.words));
    });
  }

  function updateFields() {
    var choice = $("intent").value;
    $("new-intent-fields").hidden = choice !== NEW;
    $("entity-fields").hidden = choice === IGNORE || checkedIds().length !== 1 || !state.entities.length;
  }

  function select(key) {
    var group = state.groups.filter(function (g) { return g.key === key; })[0];
    state.selected = group || null;
    state.spans = [];
    renderSpans();
    renderGroups();
    $("group").hidden = !group;
    if (!group) return;
    $("group-guess").textContent = "The bot guessed " + (group.intent || "nothing") + " (" + percent(group.confidence) + ").";
    var list = $("messages");
    list.textContent = "";
    group.items.forEach(function (item) {
      var li = el("li");
      li.dataset.exchange = item.exchange_id;
      var box = el("input");
      box.type = "checkbox";
      box.checked = true;
      box.value = item.exchange_id;
      box.setAttribute("aria-label", "include this message");
      box.addEventListener("change", updateFields);
      li.appendChild(box);
      li.appendChild(el("span", "text", item.text));
      var meta = el("div", "meta", (item.intent || "?") + " · " + percent(item.confidence) + " · ");
      var link = el("a", "conversation-link", "conversation");
      link.href = "#conversation=" + item.conversation_id;
      meta.appendChild(link);
      reasonTags(meta, item.reasons);
      li.appendChild(meta);
      list.appendChild(li);
    });
    // Nothing is chosen for the trainer: the bot's guess is shown above, and it is often the
    // mistake this message is here for.
    $("intent").value = "";
    var candidates = $("candidates");
    candidates.textContent = "";
    $("candidates-box").hidden = !group.candidates.length;
    group.candidates.forEach(function (text) {
      var li = el("li", null, text + " ");
      var use = el("button", null, "Use as the answer");
      use.type = "button";
      use.addEventListener("click", function () {
        $("intent").value = NEW;
        updateFields();
        $("response").value = text;
      });
      li.appendChild(use);
      candidates.appendChild(li);
    });
    updateFields();
  }

  function fillIntents() {
    var intent = $("intent");
    intent.textContent = "";
    var none = el("option", null, "choose what they mean…");
    none.value = "";
    intent.appendChild(none);
    state.intents.forEach(function (name) {
      var example = state.examples[name];
      var option = el("option", null, example ? name + " (like “" + example + "”)" : name);
      option.value = name;
      intent.appendChild(option);
    });
    var fresh = el("option", null, "new intent…");
    fresh.value = NEW;
    intent.appendChild(fresh);
    var ignore = el("option", null, "ignore (not something to learn)");
    ignore.value = IGNORE;
    intent.appendChild(ignore);
    var entity = $("entity");
    entity.textContent = "";
    state.entities.forEach(function (name) {
      var option = el("option", null, name);
      option.value = name;
      entity.appendChild(option);
    });
  }

  function load() {
    return call("GET", "/trainer/inbox").then(function (data) {
      state.csrf = data.csrf_token;
      state.groups = data.groups;
      state.intents = data.intents;
      state.examples = data.examples || {};
      state.entities = data.entities;
      state.reasons = data.reasons;
      $("who").textContent = data.trainer;
      fillIntents();
      var key = state.selected && state.selected.key;
      renderGroups();
      select(key && state.groups.some(function (g) { return g.key === key; }) ? key : null);
    }).catch(function (error) { say("problem", error.message); });
  }

  function showConversation() {
    var match = /conversation=(\d+)/.exec(location.hash);
    if (!match) { $("conversation").hidden = true; return; }
    call("GET", "/trainer/conversations/" + match[1]).then(function (data) {
      var list = $("transcript");
      list.textContent = "";
      data.messages.forEach(function (message) {
        var li = el("li", message.speaker);
        li.dataset.exchange = message.exchange_id;
        var understood = "";
        if (message.guess) understood = " · " + message.intent + ", guessed " + message.guess + " " + percent(message.confidence);
        else if (message.intent) understood = " · " + message.intent + " " + percent(message.confidence);
        li.appendChild(el("span", "who", message.speaker + understood));
        li.appendChild(el("span", "text", message.text));
        list.appendChild(li);
      });
      $("conversation").hidden = false;
    }).catch(function (error) { say("problem", error.message); });
  }

  $("intent").addEventListener("change", updateFields);

  $("mark").addEventListener("click", function () {
    var selection = window.getSelection();
    var ids = checkedIds();
    if (!selection || selection.isCollapsed || ids.length !== 1) {
      say("problem", "Select the words of one message, then mark them.");
      return;
    }
    var text = document.querySelector('#messages li[data-exchange="' + ids[0] + '"] .text');
    var range = selection.getRangeAt(0);
    if (!text || !text.contains(range.startContainer) || !text.contains(range.endContainer)) {
      say("problem", "Select words inside the ticked message.");
      return;
    }
    var start = Math.min(range.startOffset, range.endOffset);
    var end = Math.max(range.startOffset, range.endOffset);
    state.spans.push({ start: start, end: end, entity: $("entity").value, words: text.textContent.slice(start, end) });
    say("problem", "");
    renderSpans();
  });

  $("label-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var ids = checkedIds();
    var choice = $("intent").value;
    say("problem", "");
    say("done", "");
    if (!choice) {
      say("problem", "Choose what these messages mean first (or ignore them).");
      $("intent").focus();
      return;
    }
    var request;
    if (choice === IGNORE) {
      request = call("POST", "/trainer/ignore", { exchange_ids: ids }).then(function (data) {
        return "Ignored " + data.ignored + " message(s).";
      });
    } else {
      var body = { exchange_ids: ids, intent: choice, entities: state.spans };
      if (choice === NEW) {
        body.intent = $("new-intent").value.trim();
        body.file = $("new-file").value.trim();
        body.response = $("response").value.trim();
      }
      request = call("POST", "/trainer/accept", body).then(function (data) {
        var line = "Saved as " + data.intent + " in " + data.file + ": " + data.added.length + " new example(s)";
        if (data.already_there.length) line += ", " + data.already_there.length + " already there";
        if (data.response) line += "; answer " + data.response + " added";
        return line + ". ";
      });
    }
    request.then(function (line) {
      say("done", line);
      if (choice !== IGNORE) {
        var train = el("a", null, "Train the bot to use them");
        train.href = "/console/training";
        $("done").appendChild(train);
        $("done").appendChild(document.createTextNode("."));
      }
      state.selected = null;
      return load();
    }).catch(function (error) { say("problem", error.message); });
  });

  $("refresh").addEventListener("click", load);
  $("sign-out").addEventListener("click", function () {
    call("POST", "/../sign-out").finally(function () { location.href = "/console/sign-in"; });
  });
  window.addEventListener("hashchange", showConversation);
  load().then(showConversation);
})();
