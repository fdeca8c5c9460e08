/* learncity monitoring charts: every <div data-chart="…" data-rows="ID"> is drawn with Apache ECharts (vendored,
   no CDN) from the JSON rows in <script id="ID" type="application/json"> — the same rows as the table beside it.
   Kinds: "attainment" (bars of actual ÷ target, coloured by status), "places" (each place's actual value, coloured
   by its attainment of its target: blue met, orange on track, vermilion behind, grey no target, each with its
   pattern and its word),
   "series" (a line with the target), "bars". Large-text mode gets larger type. Redrawn after HTMX swaps. */
(function () {
  /* Okabe–Ito colours, told apart by people who do not see red and green, and each status with its own pattern
     (decal) and its word in the bar's label, so colour is never the only sign. */
  var STATUS = { met: "#0072b2", on_track: "#e69f00", behind: "#d55e00", "": "#8a99a8" };
  var DECAL = {
    met: { symbol: "none" },
    on_track: { symbol: "rect", dashArrayX: [1, 0], dashArrayY: [3, 5], rotation: Math.PI / 4, color: "rgba(0,0,0,0.35)" },
    behind: { symbol: "circle", symbolSize: 0.7, dashArrayX: [[6, 6], [0, 6, 6, 0]], dashArrayY: [6, 0], color: "rgba(255,255,255,0.85)" },
    "": { symbol: "rect", dashArrayX: [[2, 6]], dashArrayY: [[2, 6]], color: "rgba(255,255,255,0.7)" }
  };
  function statusWords() {
    var src = document.getElementById("chart-status-labels");
    return src ? JSON.parse(src.textContent) : {};
  }
  function big() { return document.documentElement.classList.contains("large-text"); }
  function rows(el) {
    var src = document.getElementById(el.getAttribute("data-rows"));
    return src ? JSON.parse(src.textContent) : [];
  }
  function base(n) {
    var size = big() ? 18 : 12;
    return {
      textStyle: { fontSize: size },
      grid: { left: 8, right: 24, top: 28, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", textStyle: { fontSize: size } },
      animation: false,
      aria: { enabled: true, decal: { show: true } }
    };
  }
  function option(kind, data, el) {
    var o = base(data.length), size = big() ? 16 : 11;
    var names = data.map(function (r) { return r.name; }), words = statusWords();
    if (kind === "attainment" || kind === "places") {
      var key = "value", unit = kind === "attainment" ? "%" : (el.getAttribute("data-unit") || "");
      o.xAxis = { type: "value", axisLabel: { formatter: "{value}" + unit, fontSize: size } };
      o.yAxis = { type: "category", data: names, inverse: true, axisLabel: { fontSize: size } };
      o.series = [{ type: "bar", data: data.map(function (r) {
        return { value: r[key], itemStyle: { color: STATUS[r.status || ""], decal: DECAL[r.status || ""] } };
      }), label: { show: true, position: "right", formatter: function (p) {
        var r = data[p.dataIndex] || {};  /* a bar cut at the chart's cap carries its real figure as its label */
        var text = r.label ? "≥ " + r.label : (p.value == null ? "" : p.value + unit);
        var word = words[r.status || ""];
        return text && word ? text + " " + word : text; }, fontSize: size },
        markLine: kind === "attainment" ? { silent: true, symbol: "none", data: [{ xAxis: 100 }],
                                            lineStyle: { type: "dashed" } } : undefined }];
      if (data.some(function (r) { return r.label; })) o.grid.right = big() ? 150 : 110;  /* room for "≥ 1,427%" */
      el.style.height = Math.max(160, 26 * data.length * (big() ? 1.5 : 1) + 60) + "px";
    } else if (kind === "series") {
      o.legend = { top: 0, textStyle: { fontSize: size } };
      o.xAxis = { type: "category", data: names, axisLabel: { fontSize: size } };
      o.yAxis = { type: "value", axisLabel: { fontSize: size } };
      o.color = ["#0072b2", "#d55e00"];
      o.series = [{ name: el.getAttribute("data-actual") || "实际", type: "line", connectNulls: false, symbol: "circle", symbolSize: 8,
                    data: data.map(function (r) { return r.value; }) }];
      if (data.some(function (r) { return r.target != null; })) {
        o.series.push({ name: el.getAttribute("data-target") || "目标", type: "line", step: "middle", symbol: "triangle", symbolSize: 9,
                        lineStyle: { type: "dashed" }, data: data.map(function (r) { return r.target; }) });
      }
    } else {
      o.xAxis = { type: "value", axisLabel: { fontSize: size } };
      o.yAxis = { type: "category", data: names, inverse: true, axisLabel: { fontSize: size } };
      o.series = [{ type: "bar", data: data.map(function (r) { return r.value; }), itemStyle: { color: "#0072b2", decal: { symbol: "none" } },
                    label: { show: true, position: "right", fontSize: size } }];
      el.style.height = Math.max(160, 26 * data.length * (big() ? 1.5 : 1) + 60) + "px";
    }
    return o;
  }
  function draw(root) {
    if (!window.echarts) return;
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      var data = rows(el);
      if (!data.length) { el.hidden = true; return; }
      var old = window.echarts.getInstanceByDom(el);
      if (old) old.dispose();
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option(el.getAttribute("data-chart"), data, el));
      chart.resize();
      el.setAttribute("data-drawn", "1");
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(); });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-drawn]").forEach(function (el) {
      var c = window.echarts && window.echarts.getInstanceByDom(el); if (c) c.resize(); });
  });
})();
