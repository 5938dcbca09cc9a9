/* Assessment dashboard: reads its JSON endpoint and draws the cards, charts and map with ECharts.
   No inline script (CSP): the URLs and labels come from data- attributes on #dashboard. */
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root || !window.echarts) { return; }
  var charts = {};
  window.xiezuoCharts = charts;

  // Cards show the server's display strings (xiezuo.web.numformat); this formats the charts' numbers.
  function fmt(v, unit) {
    if (v === null || v === undefined) { return "—"; }
    if (unit === "%") { return Number(v).toFixed(2) + " %"; }
    // large sums in the language's own unit (亿元 in Chinese, million yuan in English)
    var big = Number(root.dataset.yuanUnit);
    if (unit === "yuan" && big && Math.abs(v) >= big) { return (v / big).toLocaleString(undefined, { maximumFractionDigits: 2 }) + " " + root.dataset.labelYuanUnit; }
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
      var a = el("a", "value", c.display === null || c.display === undefined ? "—" : c.display);
      a.href = c.trace_url;
      a.setAttribute("data-value", c.value === null ? "" : String(c.value));
      card.appendChild(a);
      if (c.target !== null) {
        card.appendChild(el("div", "target", root.dataset.labelTarget + " " + c.target_display +
          (c.completion_display ? " · " + c.completion_display : "")));
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
      grid: { left: 90, right: 60, top: 40, bottom: 30 },
      xAxis: { type: "category", data: t.years },
      yAxis: [{ type: "value", name: root.dataset.labelYuanUnit,
                 axisLabel: { formatter: function (v) { return (v / Number(root.dataset.yuanUnit || 1)).toLocaleString(); } } },
               { type: "value" }],
      series: codes.map(function (c, i) {
        return { type: i < 2 ? "bar" : "line", name: names[c], yAxisIndex: i < 2 ? 0 : 1, data: t[c] };
      })
    });
  }

  // the indicators offered for the divisions; the first with a figure this year is shown first
  // (in 2020+ the poverty figures are 0 and the cumulative cooperation figures carry the page)
  function options(select, data) {
    data.county_codes.forEach(function (c) {
      var o = el("option", "", data.names[c]);
      o.value = c;
      select.appendChild(o);
    });
    var some = data.county_codes.filter(function (c) {
      return data.counties.some(function (r) { return r.values[c]; });
    });
    var prefer = ["incidence_pct", "monitoring_cases", "placements_cumulative", "sales_cumulative"];
    select.value = prefer.filter(function (c) { return some.indexOf(c) >= 0; })[0] || some[0] || data.county_codes[0];
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

  function shade(v, lo, hi) {
    // light to dark red by the value's place between lo and hi
    var t = (v === null || v === undefined || hi <= lo) ? 0 : Math.max(0, Math.min(1, (v - lo) / (hi - lo)));
    var a = [253, 232, 216], b = [192, 80, 77];
    return "rgb(" + a.map(function (x, i) { return Math.round(x + (b[i] - x) * t); }).join(",") + ")";
  }

  function range(rows, code) {
    var nums = rows.map(function (r) { return r.values[code]; }).filter(function (v) { return v !== null && v !== undefined; });
    return nums.length ? [Math.min.apply(null, nums), Math.max.apply(null, nums)] : [0, 1];
  }

  // A treemap tile's label, legible: black or white text by the tile's shade (whichever contrasts more, WCAG:
  // between them at least 4.58:1 on any background),
  // never below 12 px, cut with "…" to the tile's width (the tooltip has the whole name and value); the value
  // line only where two lines fit, and no label on a tile too small for two characters.
  var LABEL_FONT = 13, LABEL_PAD = 4;

  function luminance(rgb) {
    var c = rgb.match(/\d+/g).slice(0, 3).map(function (v) {
      v = v / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }

  function contrast(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  function labelColor(tile) {
    var dark = "rgb(0,0,0)", light = "rgb(255,255,255)";
    return contrast(tile, dark) >= contrast(tile, light) ? dark : light;
  }

  function tileLabel(tile, share, width, height) {
    // squarified tiles are near square: the side from the tile's share of the panel
    var side = Math.sqrt(Math.max(share, 0) * width * height);
    if (side < 2 * LABEL_FONT + 2 * LABEL_PAD) return { show: false };
    return { show: true, color: labelColor(tile), fontSize: LABEL_FONT, lineHeight: LABEL_FONT + 3,
             overflow: "truncate", ellipsis: "…", lineOverflow: "truncate", padding: LABEL_PAD,
             valueLine: side >= 2 * (LABEL_FONT + 3) + 2 * LABEL_PAD };
  }

  window.xiezuoTileLabel = tileLabel;  // for the browser test

  // divisions without boundaries in the data (townships): a treemap filling the panel, sized by
  // rural population and shaded by the indicator; not geography, and labelled so
  function treemap(c, rows, code, data, title) {
    var lo = range(rows, code)[0], hi = range(rows, code)[1];
    var total = rows.reduce(function (t, r) { return t + (r.rural_population || 1); }, 0) || 1;
    var width = c.getWidth(), height = Math.max(c.getHeight() - 44, 1);
    c.setOption({
      title: { text: title, subtext: root.dataset.labelSchematic, left: 0, top: 0, textStyle: { fontSize: 13 } },
      tooltip: { confine: true, formatter: function (p) { return p.name + ": " + fmt(p.data.indicator, data.units[code]); } },
      series: [{ type: "treemap", roam: false, nodeClick: false, breadcrumb: { show: false }, top: 44, left: 0, right: 0, bottom: 0,
        label: { show: true, formatter: function (p) {
          return p.data.label && p.data.label.valueLine ? p.name + "\n" + fmt(p.data.indicator, data.units[code]) : p.name;
        } },
        data: rows.map(function (r) {
          var tile = shade(r.values[code], lo, hi);
          return { name: r.name, value: r.rural_population || 1, indicator: r.values[code], code: r.code,
                   label: tileLabel(tile, (r.rural_population || 1) / total, width, height),
                   itemStyle: { color: tile, borderColor: "#fff" } };
        }) }]
    }, true);
  }

  function choropleth(c, data, code) {
    var lo = range(data.counties, code)[0], hi = range(data.counties, code)[1];
    c.setOption({
      title: { text: data.region.title, left: 0, top: 0, textStyle: { fontSize: 13 } },
      tooltip: { trigger: "item", formatter: function (p) { return p.name + ": " + fmt(p.data && p.data.indicator, data.units[code]); } },
      visualMap: { min: lo, max: hi > lo ? hi : lo + 1, calculable: true, left: 0, bottom: 0, inRange: { color: ["#fde8d8", "#c0504d"] } },
      series: [{ type: "map", map: "xiezuo-region", nameProperty: "adcode", roam: false, top: 30, bottom: 10,
        label: { show: true, formatter: function (p) { return p.data ? p.data.label : ""; } },
        itemStyle: { areaColor: "#eef2f8", borderColor: "#999" },
        data: data.counties.map(function (r) { return { name: r.prefix, value: r.values[code], indicator: r.values[code], label: r.name, code: r.code }; }) }]
    }, true);
  }

  function map(data, geo, code, state) {
    var c = charts["chart-map"];
    if (!c) {
      echarts.registerMap("xiezuo-region", geo);
      c = chart("chart-map");
      c.on("click", function (p) {
        if (!state.drill && p.data && data.drill[p.data.code]) {
          document.getElementById("map-drill").value = p.data.code;
          state.drill = p.data.code;
          map(data, geo, state.code(), state);
        }
      });
    }
    var codes = geo.features.map(function (f) { return f.properties.adcode; });
    var mapped = data.counties.length && data.counties.every(function (r) { return codes.indexOf(r.prefix) >= 0; });
    if (state.drill) {
      var parent = data.counties.filter(function (r) { return r.code === state.drill; })[0];
      treemap(c, data.drill[state.drill], code, data, parent ? parent.name : "");
    } else if (mapped) {
      choropleth(c, data, code);
    } else {
      treemap(c, data.counties, code, data, data.region.title);
    }
  }

  function partners(data) {
    var box = document.getElementById("dash-partners");
    box.textContent = "";
    if (!data.partners.length) { box.appendChild(el("li", "muted", root.dataset.labelNoPartners)); }
    data.partners.forEach(function (p) {
      var li = el("li"), a = el("a", "", p.east + " → " + p.west);
      a.href = p.url;
      li.appendChild(a);
      li.appendChild(el("span", "muted", " · " + p.since));
      box.appendChild(li);
    });
  }

  function fail() {
    document.getElementById("dash-cards").textContent = root.dataset.labelError;
  }

  Promise.all([fetch(root.dataset.url, { credentials: "same-origin" }).then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); }),
               fetch(root.dataset.mapUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); })])
    .then(function (res) {
      var data = res[0], geo = res[1];
      cards(data);
      poverty(data);
      cooperation(data);
      partners(data);
      var ms = document.getElementById("map-indicator"), cs = document.getElementById("county-indicator");
      options(ms, data);
      options(cs, data);
      var state = { drill: null, code: function () { return ms.value; } };
      map(data, geo, ms.value, state);
      counties(data, cs.value);
      ms.addEventListener("change", function () { map(data, geo, ms.value, state); });
      // drill-down by click or, without a mouse, by this list (its first entry is the whole region)
      var ds = document.getElementById("map-drill");
      data.counties.forEach(function (r) {
        if (data.drill[r.code]) { var o = el("option", "", r.name); o.value = r.code; ds.appendChild(o); }
      });
      ds.parentNode.hidden = document.getElementById("map-hint").hidden = ds.options.length < 2;
      ds.addEventListener("change", function () {
        state.drill = ds.value || null;
        map(data, geo, ms.value, state);
      });
      cs.addEventListener("change", function () { counties(data, cs.value); });
      root.setAttribute("data-ready", "1");
    })
    .catch(fail);

  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });
}());
