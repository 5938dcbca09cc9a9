/* Assessment dashboard: reads its JSON endpoint and draws the cards, charts and map with ECharts.
   No inline script (CSP): the URLs and labels come from data- attributes on #dashboard. */
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root || !window.echarts) { return; }
  var charts = {};
  window.xiezuoCharts = charts;

  function fmt(v, unit) {
    if (v === null || v === undefined) { return "—"; }
    if (unit === "%") { return Number(v).toFixed(2) + " %"; }
    return Number(v).toLocaleString();
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function cards(data) {
    var box = document.getElementById("dash-cards");
    box.textContent = "";
    data.cards.forEach(function (c) {
      var card = el("div", "card");
      card.setAttribute("data-code", c.code);
      card.appendChild(el("div", "label", c.name));
      var a = el("a", "value", fmt(c.value, c.unit));
      a.href = c.trace_url;
      a.setAttribute("data-value", c.value === null ? "" : String(c.value));
      card.appendChild(a);
      if (c.target !== null) {
        card.appendChild(el("div", "target", root.dataset.labelTarget + " " + fmt(c.target, c.unit) +
          (c.completion_pct !== null ? " · " + c.completion_pct + " %" : "")));
      }
      box.appendChild(card);
    });
  }

  function chart(id) {
    var c = echarts.init(document.getElementById(id));
    charts[id] = c;
    return c;
  }

  function poverty(data) {
    var t = data.trend.poverty;
    chart("chart-poverty").setOption({
      tooltip: { trigger: "axis" }, grid: { left: 60, right: 16, top: 20, bottom: 30 },
      xAxis: { type: "category", data: t.years }, yAxis: { type: "value" },
      series: [{ type: "bar", name: root.dataset.labelPoor, data: t.poor_people, itemStyle: { color: "#c0504d" } }]
    });
  }

  function cooperation(data) {
    var t = data.trend.cooperation, names = data.names;
    var codes = ["aid_committed", "sales", "placements", "monitoring_cases"];
    chart("chart-coop").setOption({
      tooltip: { trigger: "axis" }, legend: { type: "scroll", top: 0 },
      grid: { left: 70, right: 60, top: 40, bottom: 30 },
      xAxis: { type: "category", data: t.years },
      yAxis: [{ type: "value", name: "¥" }, { type: "value" }],
      series: codes.map(function (c, i) {
        return { type: i < 2 ? "bar" : "line", name: names[c], yAxisIndex: i < 2 ? 0 : 1, data: t[c] };
      })
    });
  }

  function options(select, data) {
    data.county_codes.forEach(function (c) {
      var o = el("option", "", data.names[c]);
      o.value = c;
      select.appendChild(o);
    });
    select.value = data.county_codes.indexOf("incidence_pct") >= 0 ? "incidence_pct" : data.county_codes[0];
  }

  function counties(data, code) {
    var c = charts["chart-counties"] || chart("chart-counties");
    c.setOption({
      tooltip: { trigger: "axis" }, grid: { left: 70, right: 16, top: 20, bottom: 50 },
      xAxis: { type: "category", data: data.counties.map(function (r) { return r.name; }), axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value" },
      series: [{ type: "bar", name: data.names[code], data: data.counties.map(function (r) { return r.values[code]; }) }]
    }, true);
  }

  function map(data, geo, code) {
    var c = charts["chart-map"];
    if (!c) {
      echarts.registerMap("xiezuo", geo);
      c = chart("chart-map");
    }
    var vals = data.counties.map(function (r) { return { name: r.name_zh, value: r.values[code] }; });
    var nums = vals.map(function (v) { return v.value; }).filter(function (v) { return v !== null; });
    c.setOption({
      tooltip: { trigger: "item", formatter: function (p) { return p.name + (p.value === p.value && p.value !== undefined ? ": " + fmt(p.value) : ""); } },
      visualMap: { min: nums.length ? Math.min.apply(null, nums) : 0, max: nums.length ? Math.max.apply(null, nums) : 1,
        calculable: true, left: 0, bottom: 0, inRange: { color: ["#fde8d8", "#c0504d"] }, seriesIndex: 0 },
      geo: { map: "xiezuo", roam: true, itemStyle: { areaColor: "#eef2f8", borderColor: "#999" } },
      series: [
        { type: "map", geoIndex: 0, name: data.names[code], data: vals },
        { type: "lines", coordinateSystem: "geo", effect: { show: false }, lineStyle: { color: "#1f3b70", width: 1.5, curveness: 0.2, opacity: 0.7 },
          data: data.pairings.map(function (p) { return { name: p.name, coords: p.coords }; }) }
      ]
    }, true);
  }

  function fail() {
    document.getElementById("dash-cards").textContent = root.dataset.labelError;
  }

  Promise.all([fetch(root.dataset.url, { credentials: "same-origin" }).then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); }),
               fetch(root.dataset.mapUrl).then(function (r) { return r.json(); })])
    .then(function (res) {
      var data = res[0], geo = res[1];
      cards(data);
      poverty(data);
      cooperation(data);
      var ms = document.getElementById("map-indicator"), cs = document.getElementById("county-indicator");
      options(ms, data);
      options(cs, data);
      map(data, geo, ms.value);
      counties(data, cs.value);
      ms.addEventListener("change", function () { map(data, geo, ms.value); });
      cs.addEventListener("change", function () { counties(data, cs.value); });
      root.setAttribute("data-ready", "1");
    })
    .catch(fail);

  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });
}());
