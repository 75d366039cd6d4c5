/* The office head's statistics page (/console/statistics): draws its charts with the bundled
 * Apache ECharts (/static/vendor/echarts/) from /console/statistics.json. Every chart has a table
 * of the same figures under it in the page, so nothing here is the only way to read a number.
 * No words of its own: labels come from the JSON, axis names from the page's data attributes. */
(function () {
  "use strict";

  // Okabe–Ito colours: told apart with the common kinds of colour blindness.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"];
  // Ratings 1–3 (不满意, 一般, 满意): vermillion, grey, blue rather than red and green.
  var SCORE_COLOURS = ["#D55E00", "#999999", "#0072B2"];
  // One hue from light to dark for the week grid: lightness carries the count.
  var SEQUENTIAL = ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"];
  var HEIGHT = 340;

  var root = document.getElementById("statistics");
  if (!root) return;
  if (!window.echarts) {
    unavailable();
    return;
  }
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var charts = [];

  function unavailable() {
    var note = document.getElementById("charts-unavailable");
    if (note) note.hidden = false;
  }

  function pick(data, path) {
    return path.split(".").reduce(function (value, key) {
      return value == null ? value : value[key];
    }, data);
  }

  function hours() {
    var labels = [];
    for (var h = 0; h < 24; h += 1) labels.push(h + ":00");
    return labels;
  }

  function base(extra) {
    var option = {
      color: PALETTE,
      animation: !still,
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true }
    };
    Object.keys(extra).forEach(function (key) {
      option[key] = extra[key];
    });
    return option;
  }

  function countAxis(name) {
    return { type: "value", name: name || "", minInterval: 1 };
  }

  function stackedBars(series) {
    return series.map(function (s) {
      return { type: "bar", stack: "total", name: s.label, data: s.values, emphasis: { focus: "series" } };
    });
  }

  var BUILDERS = {
    // Cases per month, one stacked bar per month: by service, or by area.
    "stacked-months": function (data, el) {
      return base({
        xAxis: { type: "category", data: data.period.months },
        yAxis: countAxis(),
        series: stackedBars(pick(data, el.dataset.series) || [])
      });
    },
    // Closed cases per month by outcome, and the success rate as a line on its own axis.
    outcomes: function (data, el) {
      var figures = pick(data, el.dataset.figures);
      var bars = stackedBars(figures.choices.concat([figures.unrecorded, figures.not_accepted]));
      bars.push({
        type: "line",
        name: el.dataset.rateLabel,
        yAxisIndex: 1,
        data: figures.rate_percent,
        connectNulls: false,
        symbolSize: 8,
        lineStyle: { width: 3 }
      });
      return base({
        xAxis: { type: "category", data: data.period.months },
        yAxis: [countAxis(), { type: "value", name: el.dataset.rateLabel, min: 0, max: 100 }],
        series: bars
      });
    },
    // Legal-aid applications: one bar per pre-check verdict, stacked by what became of them.
    verdicts: function (data, el) {
      var table = pick(data, el.dataset.figures);
      var series = table.decisions.map(function (decision, column) {
        return {
          type: "bar",
          stack: "total",
          name: decision.label,
          data: table.counts.map(function (row) {
            return row[column];
          })
        };
      });
      return base({
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: { type: "category", data: table.verdicts.map(function (v) { return v.label; }) },
        yAxis: countAxis(),
        series: series
      });
    },
    // Residents' messages and new cases per hour of the day.
    hours: function (data, el) {
      var activity = data.activity;
      var series = [];
      var axes = [];
      if (activity.messages_available) {
        series.push({ type: "bar", name: el.dataset.messagesLabel, data: activity.messages_by_hour });
        axes.push(countAxis(el.dataset.messagesLabel));
      }
      series.push({
        type: "line",
        name: el.dataset.casesLabel,
        yAxisIndex: axes.length,
        data: activity.cases_by_hour,
        symbolSize: 7,
        lineStyle: { width: 3 },
        color: PALETTE[1]
      });
      axes.push(countAxis(el.dataset.casesLabel));
      return base({ xAxis: { type: "category", data: hours() }, yAxis: axes, series: series });
    },
    // Weekday × hour grid of residents' messages.
    week: function (data) {
      var grid = data.activity.messages_by_weekday_hour;
      var cells = [];
      var most = 0;
      grid.forEach(function (row, day) {
        row.forEach(function (count, hour) {
          cells.push([hour, day, count]);
          most = Math.max(most, count);
        });
      });
      return base({
        tooltip: { trigger: "item" },
        legend: { show: false },
        grid: { left: 8, right: 16, top: 16, bottom: 56, containLabel: true },
        xAxis: { type: "category", data: hours(), splitArea: { show: true } },
        yAxis: { type: "category", data: data.activity.weekdays, inverse: true, splitArea: { show: true } },
        visualMap: {
          min: 0,
          max: Math.max(most, 1),
          calculable: true,
          orient: "horizontal",
          left: "center",
          bottom: 0,
          inRange: { color: SEQUENTIAL }
        },
        series: [
          {
            type: "heatmap",
            data: cells,
            // Numbers only where something happened: a grid of zeros hides the busy cells.
            label: {
              show: most < 1000,
              formatter: function (cell) {
                return cell.value[2] ? String(cell.value[2]) : "";
              }
            }
          }
        ]
      });
    },
    // Ratings per month by score, and the mean score (1–3) as a line on its own axis.
    satisfaction: function (data, el) {
      var ratings = data.satisfaction;
      var series = stackedBars(ratings.by_month).map(function (s, i) {
        s.color = SCORE_COLOURS[i % SCORE_COLOURS.length];
        return s;
      });
      series.push({
        type: "line",
        name: el.dataset.meanLabel,
        yAxisIndex: 1,
        data: ratings.mean_by_month,
        symbolSize: 8,
        lineStyle: { width: 3 },
        color: "#000000"
      });
      return base({
        xAxis: { type: "category", data: data.period.months },
        yAxis: [countAxis(), { type: "value", name: el.dataset.meanLabel, min: 1, max: 3, interval: 0.5 }],
        series: series
      });
    }
  };

  function draw(data) {
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var build = BUILDERS[el.dataset.chart];
      if (!build) return;
      el.style.height = HEIGHT + "px"; // through the DOM: the page's CSP allows no inline styles
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(build(data, el));
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) {
        chart.resize();
      });
    });
  }

  fetch(root.dataset.source, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) throw new Error("statistics.json: " + response.status);
      return response.json();
    })
    .then(draw)
    .catch(function (error) {
      unavailable();
      if (window.console) window.console.error(error);
    });
})();
