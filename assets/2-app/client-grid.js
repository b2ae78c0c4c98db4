/*
 * Cell layouts of the Risk Segments client grid (dash-ag-grid cellRenderer names).
 *
 * Every value arrives ready to show (dashboard/queries.py grid_rows); these
 * functions only lay it out with the classes of app.css. Text is passed to
 * React as text, never as HTML.
 */
var dagcomponentfuncs = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});

(function () {
  var h = React.createElement;
  var TREND_ICONS = {
    improving: "bi-arrow-up-right",
    stable: "bi-arrow-right",
    declining: "bi-arrow-down-right",
  };

  function data(props) {
    return props.data || {};
  }

  function icon(name, extra) {
    return h("i", { className: "bi " + name + (extra ? " " + extra : ""), "aria-hidden": "true" });
  }

  dagcomponentfuncs.ClientCell = function (props) {
    var row = data(props);
    return h(
      "div",
      { className: "client-cell d-flex flex-column justify-content-center h-100 lh-sm text-truncate", title: row.details || row.name },
      h("div", { className: "fw-semibold text-truncate" }, row.name),
      row.details ? h("div", { className: "small text-muted text-truncate" }, row.details) : null
    );
  };

  dagcomponentfuncs.ScoreCell = function (props) {
    var row = data(props);
    return h(
      "span",
      { className: "d-inline-flex align-items-center gap-2" },
      h("span", { className: "fw-bold fs-6" }, String(row.score)),
      h(
        "span",
        { className: "trend trend-" + row.trend, title: "Trend: " + String(row.trend_label).toLowerCase() },
        icon(TREND_ICONS[row.trend] || TREND_ICONS.stable),
        h("span", { className: "visually-hidden" }, row.trend_label)
      )
    );
  };

  dagcomponentfuncs.RiskCell = function (props) {
    var row = data(props);
    return h("span", { className: "risk-badge risk-" + row.risk_level }, row.risk_label);
  };

  dagcomponentfuncs.WeddingCell = function (props) {
    var row = data(props);
    if (!row.wedding) {
      return h("span", { className: "text-muted" }, "not set");
    }
    return h(
      "div",
      { className: "d-flex flex-column justify-content-center h-100 lh-sm" },
      h("div", null, row.wedding),
      row.wedding_alert
        ? h(
            "div",
            { className: "small fw-semibold text-risk-critical wedding-alert", title: "Wedding soon while at high or critical risk" },
            icon("bi-exclamation-triangle-fill", "me-1"),
            row.wedding_note
          )
        : null
    );
  };
})();
