// The training page: start a run, then poll its status every few seconds until it ends.
(function () {
  "use strict";
  var me = null;
  var timer = null;
  var byId = function (id) { return document.getElementById(id); };

  var call = window.consoleApi(function () { return me ? me.csrf_token : ""; });

  function problem(error) {
    var box = byId("problem");
    box.textContent = error ? String(error.message || error) : "";
    box.hidden = !error;
  }

  function fill(list, lines) {
    list.textContent = "";
    lines.forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    });
  }

  function figures(status) {
    var table = byId("figures");
    var body = table.querySelector("tbody");
    var names = Object.keys(status.figures || {});
    body.textContent = "";
    names.forEach(function (name) {
      var row = document.createElement("tr");
      [name, (status.loaded_figures || {})[name], status.figures[name]].forEach(function (cell) {
        var td = document.createElement("td");
        td.textContent = cell === undefined ? "" : String(cell);
        row.appendChild(td);
      });
      body.appendChild(row);
    });
    table.hidden = names.length === 0;
  }

  var STATES = {
    idle: "No training has run since the server started.",
    running: "Training…",
    loaded: "Done: the new model is loaded.",
    kept: "Done: the new model is worse, so the loaded model stays.",
    failed: "Training did not finish."
  };

  function show(status) {
    if (status.csrf_token) { me = { csrf_token: status.csrf_token }; }
    byId("loaded").textContent = status.loaded || "";
    byId("state").textContent = (STATES[status.state] || status.state) +
      (status.message && status.state !== "running" ? " " + status.message : "");
    byId("train").disabled = status.running;
    fill(byId("steps"), status.steps || []);
    fill(byId("worse"), status.worse || []);
    figures(status);
    clearTimeout(timer);
    if (status.running) { timer = setTimeout(poll, 3000); }
  }

  function poll() {
    call("GET", "/training").then(show).catch(problem);
  }

  byId("train").addEventListener("click", function () {
    problem(null);
    call("POST", "/training").then(poll).catch(problem);
  });

  poll();
})();
