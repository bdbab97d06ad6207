"use strict";
(function () {
  var LIMIT = 1000;
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var byId = {};
  data.findings.forEach(function (f) { byId[f.id] = f; });
  var FIELDS = ["id", "repository", "team", "policy_id", "severity", "status", "change", "file", "resource",
    "message", "suppression_kind", "owner", "reason", "expires"];
  function searchText(f) {
    if (f._text === undefined) {
      f._text = FIELDS.map(function (k) { return f[k] === null ? "" : String(f[k]); }).join(" ").toLowerCase();
    }
    return f._text;
  }
  function cell(row, text, css) {
    var td = row.insertCell(-1);
    td.textContent = text === null || text === undefined ? "" : String(text);
    if (css) { td.className = css; }
  }
  function exemption(f) {
    var parts = f.suppression_kind ? [f.suppression_kind, f.owner, f.reason, f.expires ? "until " + f.expires : ""] : [];
    return parts.filter(function (part) { return part; }).join(" · ");
  }
  // Findings are written with textContent only: nothing from a repository is ever parsed as markup.
  function fill(table, findings, prefix) {
    var body = table.tBodies[0];
    while (body.firstChild) { body.removeChild(body.firstChild); }
    findings.slice(0, LIMIT).forEach(function (f) {
      var row = body.insertRow(-1);
      row.className = "status-" + f.status;
      if (prefix) { row.id = prefix + f.id; }
      cell(row, f.id); cell(row, f.repository); cell(row, f.policy_id, "policy"); cell(row, f.severity);
      cell(row, f.status); cell(row, f.change); cell(row, f.file ? f.file + ":" + f.line : "", "location");
      cell(row, f.resource); cell(row, f.message, "message"); cell(row, exemption(f));
    });
  }
  function shown(count, total, filtered) {
    if (count > LIMIT) { return "the first " + LIMIT + " of " + count + (filtered ? " matching" : "") + " shown"; }
    return filtered ? count + " of " + total + " shown" : "";
  }
  function output(table) { return document.querySelector('output.shown[data-for="' + table.id + '"]'); }
  function filterFindings(table, query) {
    var matching = data.findings.filter(function (f) { return !query || searchText(f).indexOf(query) !== -1; });
    fill(table, matching, "finding-");
    output(table).textContent = shown(matching.length, data.findings.length, Boolean(query));
  }
  function filterRows(table, query) {
    var all = Array.prototype.slice.call(table.tBodies[0].rows), count = 0;
    all.forEach(function (row) {
      var match = !query || row.textContent.toLowerCase().indexOf(query) !== -1;
      row.hidden = !match;
      if (match) { count += 1; }
    });
    output(table).textContent = query ? count + " of " + all.length + " shown" : "";
  }
  Array.prototype.forEach.call(document.querySelectorAll("input.filter"), function (input) {
    var table = document.getElementById(input.getAttribute("data-target"));
    var apply = table.getAttribute("data-source") === "findings" ? filterFindings : filterRows;
    input.addEventListener("input", function () { apply(table, input.value.trim().toLowerCase()); });
  });
  filterFindings(document.getElementById("findings-table"), "");
  function showDrill(ids, label) {
    var section = document.getElementById("drill");
    var findings = ids.map(function (id) { return byId[id]; }).filter(function (f) { return f; });
    fill(document.getElementById("drill-table"), findings, "");
    document.getElementById("drill-label").textContent = label;
    var count = findings.length + " finding" + (findings.length === 1 ? "" : "s");
    document.getElementById("drill-count").textContent = findings.length > LIMIT ? count + ", " + shown(findings.length) : count;
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
