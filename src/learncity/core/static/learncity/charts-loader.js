/* learncity — loads Apache ECharts (1.1 MB, about 330 KB compressed) only when the page has a chart to draw.
   monitoring/_assets.html includes this on every monitoring page, but some of them (the public figures, reports,
   targets) draw none: their visitors should not download the library. Runs deferred, after the document is parsed,
   so it sees every <div data-chart>; when there is one it adds ECharts' <script> (its hashed URL is this tag's
   data-echarts) and, once loaded, fires the event the chart code already redraws on (htmx:afterSwap on <body>),
   since the first drawing on DOMContentLoaded found no library. A swap that brings the first chart in later loads
   it then. */
(function () {
  "use strict";
  var me = document.currentScript;
  var url = me && me.getAttribute("data-echarts");
  var loading = false;

  function load() {
    if (loading || window.echarts || !url) return;
    loading = true;
    var s = document.createElement("script");
    s.src = url;
    s.onload = function () {
      document.body.dispatchEvent(new CustomEvent("htmx:afterSwap", { bubbles: true }));
    };
    document.head.appendChild(s);
  }

  function wanted(root) {
    return root && root.querySelector && root.querySelector("[data-chart]") !== null;
  }

  if (wanted(document)) load();
  document.addEventListener("htmx:afterSwap", function (e) {
    if (!window.echarts && wanted(e.target)) load();
  });
})();
