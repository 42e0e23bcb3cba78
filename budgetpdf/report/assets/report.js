// budgetpdf review report: sorting and filtering of the index, opening tables on links.
// Plain DOM code, no library; works from file:// with no server.
(function () {
  "use strict";

  function cellValue(row, index, type) {
    var text = row.cells[index].textContent.trim();
    if (type === "num") {
      var n = parseFloat(text.replace(/,/g, ""));
      return isNaN(n) ? -Infinity : n;
    }
    return text.toLowerCase();
  }

  function makeSortable(table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, index) {
      th.addEventListener("click", function () {
        var asc = !th.classList.contains("asc");
        Array.prototype.forEach.call(heads, function (h) { h.classList.remove("asc", "desc"); });
        th.classList.add(asc ? "asc" : "desc");
        var type = th.getAttribute("data-type") || "text";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index, type), y = cellValue(b, index, type);
          return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  function setupFilters(table) {
    var text = document.getElementById("filter-text");
    var status = document.getElementById("filter-status");
    var attention = document.getElementById("filter-attention");
    var count = document.getElementById("filter-count");
    function apply() {
      var q = text.value.trim().toLowerCase(), st = status.value, only = attention.checked, shown = 0;
      var rows = table.tBodies[0].rows;
      for (var i = 0; i < rows.length; i++) {
        var r = rows[i];
        var hide = (st && r.getAttribute("data-status") !== st) ||
                   (only && r.getAttribute("data-attention") !== "1") ||
                   (q && r.textContent.toLowerCase().indexOf(q) < 0);
        r.hidden = !!hide;
        if (!hide) { shown++; }
      }
      count.textContent = shown + " of " + rows.length + " documents shown";
    }
    [text, status, attention].forEach(function (el) {
      el.addEventListener("input", apply);
      el.addEventListener("change", apply);
    });
    apply();
  }

  // A link to a cell or table inside a closed <details> opens it first.
  function openTarget() {
    if (!location.hash) { return; }
    var el = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    for (var p = el; p; p = p.parentElement) {
      if (p.tagName === "DETAILS") { p.open = true; }
    }
    if (el) { el.scrollIntoView({block: "center"}); }
  }

  // "1234567.8900" → "1,234,567.89": thousands separators, at least 2 decimals, no zeros beyond them.
  function amount(s) {
    if (s === null || s === undefined) { return ""; }
    var neg = s.charAt(0) === "-", parts = (neg ? s.slice(1) : s).split(".");
    var frac = (parts[1] || "").replace(/0+$/, "");
    while (frac.length < 2) { frac += "0"; }
    return (neg ? "-" : "") + parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + frac;
  }

  function td(text, cls) {
    var el = document.createElement("td");
    if (cls) { el.className = cls; }
    el.textContent = text === null || text === undefined ? "" : String(text);
    return el;
  }

  // Line items are shipped as JSON (see build.items_json) and listed when their <details> opens.
  function renderItems(details) {
    if (details.getAttribute("data-rendered")) { return; }
    details.setAttribute("data-rendered", "1");
    var data = JSON.parse(details.querySelector("script.items-data").textContent);
    var body = details.querySelector("tbody"), tableId = details.closest("details.table").id.slice(1);
    var frag = document.createDocumentFragment();
    data.rows.forEach(function (r) {
      var tr = document.createElement("tr");
      [[r[0], "num"], [r[1]], [r[2]], [r[3]], [data.labels[r[4]]], [r[5]], [amount(r[6]), "num"], [r[7]],
       [amount(r[8]), "num"]].forEach(function (c) { tr.appendChild(td(c[0], c[1])); });
      var cell = document.createElement("td");
      if (r[9] === null) {
        cell.textContent = "not joined";
        tr.className = "unjoined";
      } else {
        var a = document.createElement("a");
        a.href = "#c" + tableId + "-" + r[9] + "-" + r[10];
        a.textContent = "r" + r[9] + " c" + r[10];
        cell.appendChild(a);
        if (r[11] === "value") {
          var how = document.createElement("span");
          how.className = "how";
          how.title = "joined by value: no header matched column_label";
          how.textContent = " ≈";
          cell.appendChild(how);
        }
      }
      tr.appendChild(cell);
      frag.appendChild(tr);
    });
    body.appendChild(frag);
  }

  Array.prototype.forEach.call(document.querySelectorAll("details.items"), function (d) {
    d.addEventListener("toggle", function () { if (d.open) { renderItems(d); } });
  });

  var index = document.getElementById("documents");
  if (index) { makeSortable(index); setupFilters(index); }
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
