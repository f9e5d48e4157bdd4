// The managers' insights page: figures for a date range from /console/api/insights, charts by
// Chart.js (served by the bot), tables with CSV export, the at-risk customers' cards with a
// "reach out" follow-up, and the ideas' states. Every text from customers is set with
// textContent (no HTML). The page's own labels are here and in insights.html.
(function () {
  "use strict";
  var me = null;
  var charts = {};
  var report = null;
  var shownCustomer = null;
  var $ = function (id) { return document.getElementById(id); };

  var STAGES = { new: "New", acquainted: "Acquainted", regular: "Regular", loyal: "Loyal", advocate: "Advocate" };
  var REASONS = {
    customer_asked: "asked for a person", fallback: "bot could not help",
    complaint: "complaint", at_risk: "at risk and unhappy", say_yes: "needs a decision"
  };
  var RUNGS = { yes_with_condition: "yes, with a condition", yes_alternative: "an alternative", yes_person: "a person decides" };
  var IDEA_STATES = { received: "received", acknowledged: "acknowledged", planned: "planned", done: "done", declined: "declined" };
  var KINDS = { idea: "idea", feedback: "feedback" };

  // Each table: its columns (key, heading, how a value shows).
  var TABLES = {
    stages: [["stage", "Stage", function (v) { return STAGES[v] || v; }], ["customers", "Customers"]],
    moves: [["week", "Week of"], ["new", "New"], ["acquainted", "Acquainted"], ["regular", "Regular"],
      ["loyal", "Loyal"], ["advocate", "Advocate"], ["into_at_risk", "Into at risk"],
      ["out_of_at_risk", "Out of at risk"]],
    at_risk: [["name", "Customer", null], ["stage", "Stage", function (v) { return STAGES[v] || v; }],
      ["balance", "Balance"], ["reasons", "Why"], ["last_seen", "Last seen", day]],
    open_issues: [["name", "Customer", null], ["kind", "Kind"], ["summary", "What"], ["opened_at", "Opened", day]],
    overdue_promises: [["name", "Customer", null], ["what", "Promise"], ["owner", "Who"], ["due_at", "Was due", day]],
    satisfaction: [["week", "Week of"], ["ratings", "Ratings"], ["average", "Average (1-5)"]],
    handoff_reasons: [["reason", "Why", function (v) { return REASONS[v] || v; }], ["handoffs", "Handoffs"]],
    fallback: [["week", "Week of"], ["messages", "Customers' messages"], ["not_understood", "Not understood"],
      ["rate", "Share", percent]],
    not_yes: [["kind", "Request"], ["item", "Item"], ["rung", "Answer", function (v) { return RUNGS[v] || v; }],
      ["reason_code", "Rule"], ["times", "Times"]],
    ideas: [["kind", "Kind", function (v) { return KINDS[v] || v; }], ["text", "What they said"],
      ["state", "State", function (v) { return IDEA_STATES[v] || v; }], ["note", "Reason"],
      ["created_at", "Shared", day]]
  };

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function day(value) { return value ? String(value).slice(0, 10) : ""; }
  function percent(value) { return value === null || value === undefined ? "" : (value * 100).toFixed(1) + " %"; }

  function problem(text) {
    $("problem").textContent = text || "";
    $("problem").hidden = !text;
  }

  function done(text) {
    $("done").textContent = text || "";
    $("done").hidden = !text;
  }

  var call = window.consoleApi(function () { return me ? me.csrf_token : ""; });

  function rangeQuery() {
    return "?start=" + encodeURIComponent($("start").value) + "&end=" + encodeURIComponent($("end").value);
  }

  function rowsOf(name) {
    if (name === "handoff_reasons") return report.handoffs.reasons;
    if (name === "ideas") return report.ideas.items;
    return report[name];
  }

  function customerCell(row) {
    var td = el("td");
    var link = el("a", "customer-link", row.name || ("#" + row.customer_id));
    link.href = "#customer-" + row.customer_id;
    td.appendChild(link);
    return td;
  }

  function ideaControls(row) {
    var td = el("td", "idea-state");
    [["planned", "Planned"], ["done", "Done"], ["declined", "Declined…"]].forEach(function (pair) {
      if (row.state === pair[0]) return;
      var button = el("button", null, pair[1]);
      button.type = "button";
      button.dataset.state = pair[0];
      button.addEventListener("click", function () { setIdeaState(row, pair[0]); });
      td.appendChild(button);
    });
    return td;
  }

  function renderTable(name) {
    var holder = document.querySelector('[data-table="' + name + '"]');
    holder.textContent = "";
    var rows = rowsOf(name) || [];
    var columns = TABLES[name];
    var link = el("a", "csv", "Download CSV");
    link.href = "/console/api/insights/export/" + name + rangeQuery();
    link.setAttribute("download", name + ".csv");
    holder.appendChild(link);
    var table = el("table");
    var head = el("tr");
    columns.forEach(function (column) { head.appendChild(el("th", null, column[1])); });
    if (name === "ideas") head.appendChild(el("th", null, "Set the state"));
    table.appendChild(head);
    rows.forEach(function (row) {
      var tr = el("tr");
      columns.forEach(function (column) {
        if (column[0] === "name" && column[2] === null) { tr.appendChild(customerCell(row)); return; }
        var value = row[column[0]];
        var shown = column[2] ? column[2](value) : value;
        tr.appendChild(el("td", null, shown === null || shown === undefined ? "" : shown));
      });
      if (name === "ideas") tr.appendChild(ideaControls(row));
      table.appendChild(tr);
    });
    if (!rows.length) {
      var empty = el("tr");
      var cell = el("td", "hint", "Nothing in this range.");
      cell.colSpan = columns.length;
      empty.appendChild(cell);
      table.appendChild(empty);
    }
    holder.appendChild(table);
  }

  function chart(id, type, labels, datasets, options) {
    if (charts[id]) charts[id].destroy();
    charts[id] = new window.Chart($(id), {
      type: type,
      data: { labels: labels, datasets: datasets },
      options: Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, options || {})
    });
  }

  function drawCharts() {
    chart("chart-stages", "bar", report.stages.map(function (s) { return STAGES[s.stage] || s.stage; }),
      [{ label: "Customers", data: report.stages.map(function (s) { return s.customers; }), backgroundColor: "#1f4e79" }],
      { plugins: { legend: { display: false } } });
    var weeks = report.moves.map(function (m) { return m.week; });
    function moved(key) { return report.moves.map(function (m) { return m[key]; }); }
    chart("chart-moves", "bar", weeks, [
      { label: "New", data: moved("new"), backgroundColor: "#c5d8ea" },
      { label: "Acquainted", data: moved("acquainted"), backgroundColor: "#7fa7cf" },
      { label: "Regular", data: moved("regular"), backgroundColor: "#1f4e79" },
      { label: "Loyal", data: moved("loyal"), backgroundColor: "#0b2a45" },
      { label: "Advocate", data: moved("advocate"), backgroundColor: "#2f7d32" },
      { label: "Into at risk", data: moved("into_at_risk"), backgroundColor: "#b3261e" },
      { label: "Out of at risk", data: moved("out_of_at_risk"), backgroundColor: "#e8a33d" }
    ]);
    chart("chart-satisfaction", "line", report.satisfaction.map(function (w) { return w.week; }),
      [{ label: "Average rating", data: report.satisfaction.map(function (w) { return w.average; }), borderColor: "#2f7d32", spanGaps: true }],
      { scales: { y: { min: 1, max: 5 } } });
    chart("chart-fallback", "line", report.fallback.map(function (w) { return w.week; }),
      [{ label: "Not understood (%)", data: report.fallback.map(function (w) { return w.rate === null ? null : w.rate * 100; }), borderColor: "#b3261e", spanGaps: true }],
      { scales: { y: { min: 0 } } });
  }

  function render() {
    $("who").textContent = "Signed in as " + report.manager;
    $("loaded").textContent = "Figures for " + report.range.start + " to " + report.range.end + ".";
    $("history-since").textContent = report.history_since
      ? "The history of stages is kept from " + report.history_since + "; weeks before show no moves."
      : "No history of stages is kept yet.";
    $("at-risk-count").textContent = "(" + report.at_risk_count + " at risk)";
    $("at-risk-empty").hidden = report.at_risk.length > 0;
    var h = report.handoffs;
    $("handoff-rate").textContent = h.visits
      ? h.handoffs + " of " + h.visits + " visits went to a person (" + percent(h.rate) + ")."
      : "No visits in this range.";
    var f = report.first_reply;
    $("first-reply").textContent = f.median_seconds === null
      ? "No handoff in this range was answered by an agent."
      : "Median time to an agent's first reply: " + Math.round(f.median_seconds / 60 * 10) / 10 +
        " min (" + f.answered + " answered, " + f.unanswered + " not answered).";
    Object.keys(TABLES).forEach(renderTable);
    drawCharts();
    var owner = $("reach-owner");
    owner.textContent = "";
    report.agents.forEach(function (name) {
      var option = el("option", null, name);
      option.value = name;
      if (name === report.manager) option.selected = true;
      owner.appendChild(option);
    });
  }

  function load() {
    problem("");
    return call("GET", "/insights" + rangeQuery()).then(function (data) {
      report = data;
      me = { csrf_token: data.csrf_token };
      if (!$("start").value) $("start").value = data.range.start;
      if (!$("end").value) $("end").value = data.range.end;
      render();
      document.body.dataset.loaded = "true";
    }).catch(function (error) { problem(error.message); });
  }

  // -- a customer's card and the reach-out -------------------------------------------------

  function addFact(dl, label, value) {
    if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) return;
    dl.appendChild(el("dt", null, label));
    dl.appendChild(el("dd", null, Array.isArray(value) ? value.join("; ") : value));
  }

  function showCustomer() {
    var match = /^#customer-(\d+)$/.exec(location.hash);
    if (!match) { $("card").hidden = true; shownCustomer = null; return; }
    shownCustomer = Number(match[1]);
    call("GET", "/insights/customers/" + shownCustomer).then(function (data) {
      var card = data.card;
      var dl = $("card-facts");
      dl.textContent = "";
      addFact(dl, "Name", card.name);  // no name told: no row (addFact skips it)
      addFact(dl, "Stage", (STAGES[card.stage] || card.stage) + (card.at_risk ? " (at risk)" : ""));
      addFact(dl, "Why", card.reasons);
      addFact(dl, "Open issues", (card.open_issues || []).map(function (i) { return i.kind + ": " + i.summary; }));
      addFact(dl, "Open promises", (card.promises_due || []).map(function (p) { return p.text + (p.overdue ? " (overdue)" : ""); }));
      addFact(dl, "Satisfaction", card.satisfaction_trend);
      addFact(dl, "Visits", String(card.visits));
      addFact(dl, "Last seen", day(card.last_seen));
      $("card").hidden = false;
      $("card").dataset.customer = String(shownCustomer);
    }).catch(function (error) { problem(error.message); });
  }

  $("reach-out-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (shownCustomer === null) return;
    var due = $("reach-due").value;
    var at = due ? new Date(due).toISOString() : "";
    call("POST", "/insights/customers/" + shownCustomer + "/reach-out", {
      owner: $("reach-owner").value, what: $("reach-what").value, due_at: at
    }).then(function (data) {
      done("Follow-up added for " + data.owner + ": it waits in the agent console under \"Waiting for us\".");
      $("reach-what").value = "";
    }).catch(function (error) { problem(error.message); });
  });

  // -- ideas -------------------------------------------------------------------------------

  function setIdeaState(row, state) {
    var note = null;
    if (state === "declined") {
      note = window.prompt("Why is it declined? The customer reads it on their next visit, after " +
        "\"The team looked at it closely and can't do it just now, because…\"");
      if (note === null) return;
      if (!note.trim()) { problem("Give the reason the idea is declined."); return; }
    }
    call("POST", "/insights/ideas/" + row.feedback_id + "/state", { state: state, note: note }).then(function () {
      done("The customer hears about it on their next visit.");
      return load();
    }).catch(function (error) { problem(error.message); });
  }

  $("range").addEventListener("submit", function (event) { event.preventDefault(); load(); });
  $("card-close").addEventListener("click", function () { location.hash = ""; });
  $("sign-out").addEventListener("click", function () {
    call("POST", "/../sign-out").finally(function () { location.href = "/console/sign-in"; });
  });
  window.addEventListener("hashchange", showCustomer);
  load().then(showCustomer);
})();
