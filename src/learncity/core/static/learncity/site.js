/* learncity — the few behaviours every page shares; pages work without it (the menu is then simply open and
   tables stay tables).
   - The header's menu button (phones) and its two groups (desktop): buttons with aria-expanded, Escape closes and
     gives the focus back, a click elsewhere closes.
   - The current page's nav link gets aria-current="page".
   - Tables of records read as cards below 640px: each cell gets data-label, its column's header text, and the
     table the class "cards" (the CSS draws "label: value" rows). Done here rather than in each template so that
     every table of every app, and those HTMX swaps in, get it from their own <th>s, which stay the one place a
     column is named; a table opts out with data-cards="off".
   - A region that scrolls sideways (a wide table on a desktop) is made focusable, a named region, so keyboard
     users can scroll it (axe: scrollable-region-focusable).
   - Place trees: a toggle with aria-controls and aria-expanded opens and closes its list (the first opening loads
     it with HTMX). */
(function () {
  "use strict";
  // --- menus ------------------------------------------------------------------------------------------------
  function setOpen(button, open) {
    var target = document.getElementById(button.getAttribute("aria-controls"));
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (target) target.classList.toggle("open", open);
  }
  function openMenus() {
    return Array.prototype.slice.call(document.querySelectorAll(".menu-toggle[aria-expanded=true], .group-toggle[aria-expanded=true]"));
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest(".menu-toggle, .group-toggle");
    if (button) {
      var open = button.getAttribute("aria-expanded") !== "true";
      if (button.classList.contains("group-toggle")) {
        openMenus().forEach(function (b) { if (b !== button && b.classList.contains("group-toggle")) setOpen(b, false); });
      }
      setOpen(button, open);
      return;
    }
    openMenus().forEach(function (b) {
      var target = document.getElementById(b.getAttribute("aria-controls"));
      if (b.classList.contains("group-toggle") && target && !target.contains(e.target)) setOpen(b, false);
    });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var open = openMenus();
    if (!open.length) return;
    var last = open[open.length - 1];
    setOpen(last, false);
    last.focus();
  });
  document.addEventListener("focusout", function (e) {
    // Tabbing out of a desktop group closes it.
    var group = e.target.closest && e.target.closest("nav.main .group");
    if (!group || (e.relatedTarget && group.contains(e.relatedTarget))) return;
    var button = group.querySelector(".group-toggle");
    if (button && button.getAttribute("aria-expanded") === "true" && e.relatedTarget) setOpen(button, false);
  });

  function markCurrent() {
    var path = location.pathname, best = null, bestLength = 0;
    document.querySelectorAll("nav.main a[href]").forEach(function (a) {
      var href = a.getAttribute("href");
      if (href === "/" ? path === "/" : path.indexOf(href) === 0) {
        if (href.length > bestLength) { best = a; bestLength = href.length; }
      }
    });
    if (best && !best.hasAttribute("aria-current")) best.setAttribute("aria-current", "page");
  }

  // --- tables as cards ----------------------------------------------------------------------------------------
  function headerLabels(table) {
    var head = table.tHead && table.tHead.rows.length ? table.tHead.rows[table.tHead.rows.length - 1] : null;
    if (!head) {
      var first = table.rows[0];
      if (!first || first.querySelector("td")) return null;
      head = first;
    }
    var labels = [];
    Array.prototype.forEach.call(head.cells, function (th) {
      var text = (th.getAttribute("data-label") || th.textContent || "").replace(/\s+/g, " ").trim();
      for (var i = 0; i < (th.colSpan || 1); i++) labels.push(text);
    });
    return labels.length > 1 ? { row: head, labels: labels } : null;
  }
  function cardTables(scope) {
    (scope || document).querySelectorAll("main table").forEach(function (table) {
      if (table.getAttribute("data-cards") === "off") return;
      var head = headerLabels(table);
      if (!head) return;
      Array.prototype.forEach.call(table.rows, function (row) {
        if (row === head.row || (row.parentNode && row.parentNode.tagName === "THEAD")) return;
        var col = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          var label = head.labels[col] || "";
          if (cell.colSpan > 1 && cell.colSpan >= head.labels.length - col) label = "";
          if (!cell.hasAttribute("data-label")) cell.setAttribute("data-label", label);
          // a cell with nothing in it (no score yet) is left out of the card rather than shown as a bare label
          if (!cell.textContent.trim() && !cell.querySelector("input, select, textarea, button, img, svg")) cell.setAttribute("data-empty", "");
          col += cell.colSpan || 1;
        });
      });
      table.classList.add("cards");
    });
  }

  // --- regions that scroll -----------------------------------------------------------------------------------
  function regionName(el) {
    var caption = el.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    for (var node = el; node && node !== document.body; node = node.parentElement) {
      for (var prev = node.previousElementSibling; prev; prev = prev.previousElementSibling) {
        if (/^H[1-4]$/.test(prev.tagName) && prev.textContent.trim()) return prev.textContent.replace(/\s+/g, " ").trim();
        var inner = prev.querySelector && prev.querySelector("h1, h2, h3, h4");
        if (inner && inner.textContent.trim() && !prev.querySelector("table")) return inner.textContent.replace(/\s+/g, " ").trim();
      }
    }
    var main = document.getElementById("main");
    return (main && main.getAttribute("data-scroll-label")) || "";
  }
  function scrollRegions() {
    document.querySelectorAll("main .table-wrap, main pre, main [data-scroll]").forEach(function (el) {
      var scrolls = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
      var style = getComputedStyle(el);
      var scrollable = /(auto|scroll)/.test(style.overflowX + " " + style.overflowY);
      if (scrolls && scrollable) {
        if (!el.hasAttribute("tabindex")) { el.setAttribute("tabindex", "0"); el.setAttribute("data-scroll-focus", "1"); }
        if (!el.hasAttribute("role")) el.setAttribute("role", "region");
        if (!el.hasAttribute("aria-label") && !el.hasAttribute("aria-labelledby")) el.setAttribute("aria-label", regionName(el));
      } else if (el.getAttribute("data-scroll-focus") === "1") {
        el.removeAttribute("tabindex"); el.removeAttribute("data-scroll-focus");
      }
    });
  }

  // --- place trees -------------------------------------------------------------------------------------------
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-tree-toggle]");
    if (!button) return;
    var list = document.getElementById(button.getAttribute("aria-controls"));
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (list) list.hidden = !open;
    var label = button.getAttribute(open ? "data-label-close" : "data-label-open");
    if (label) button.textContent = label;
  });

  function enhance(scope) {
    cardTables(scope);
    scrollRegions();
  }
  document.addEventListener("DOMContentLoaded", function () { markCurrent(); enhance(); });
  document.addEventListener("htmx:afterSettle", function (e) { enhance(e.target); });
  var timer = null;
  window.addEventListener("resize", function () { clearTimeout(timer); timer = setTimeout(scrollRegions, 150); });
})();
