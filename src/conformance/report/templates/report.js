"use strict";
(function () {
  var data = JSON.parse(document.getElementById("report-data").textContent);
  function rows(table) { return Array.prototype.slice.call(table.tBodies[0].rows); }
  function applyFilter(input) {
    var table = document.getElementById(input.getAttribute("data-target"));
    var query = input.value.trim().toLowerCase();
    var all = rows(table), shown = 0;
    all.forEach(function (row) {
      var match = !query || row.textContent.toLowerCase().indexOf(query) !== -1;
      row.hidden = !match;
      if (match) { shown += 1; }
    });
    var output = document.querySelector('output.shown[data-for="' + table.id + '"]');
    if (output) { output.textContent = query ? shown + " of " + all.length + " shown" : ""; }
  }
  Array.prototype.forEach.call(document.querySelectorAll("input.filter"), function (input) {
    input.addEventListener("input", function () { applyFilter(input); });
  });
  function cell(row, text) { var td = row.insertCell(-1); td.textContent = text === null || text === undefined ? "" : String(text); }
  function showDrill(ids, label) {
    var section = document.getElementById("drill");
    var body = document.getElementById("drill-table").tBodies[0];
    while (body.firstChild) { body.removeChild(body.firstChild); }
    ids.forEach(function (id) {
      var f = data.findings[id];
      if (!f) { return; }
      var row = body.insertRow(-1);
      row.className = "status-" + f.status;
      cell(row, id); cell(row, f.repository); cell(row, f.policy_id); cell(row, f.severity); cell(row, f.status);
      cell(row, f.change); cell(row, f.file ? f.file + ":" + f.line : ""); cell(row, f.resource); cell(row, f.message);
      var exemption = f.suppression_kind ? [f.suppression_kind, f.owner, f.reason, f.expires ? "until " + f.expires : ""] : [];
      cell(row, exemption.filter(function (part) { return part; }).join(" · "));
    });
    document.getElementById("drill-label").textContent = label;
    document.getElementById("drill-count").textContent = body.rows.length + " finding" + (body.rows.length === 1 ? "" : "s");
    section.hidden = false;
    section.scrollIntoView();
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.drill") : null;
    if (!link) { return; }
    event.preventDefault();
    showDrill(link.getAttribute("data-findings").split(" "), link.getAttribute("data-label"));
  });
  document.getElementById("drill-close").addEventListener("click", function () {
    document.getElementById("drill").hidden = true;
  });
})();
