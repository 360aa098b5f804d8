// Dashboards: draw every chart of the page with plotly.js (served from the plotly package, see
// vocapp/vendor_static.py). Each `.chart-plot[data-chart]` names the `json_script` element that
// holds its figure ({data, layout}); the same numbers are in the "Show data" table beside it, so
// the page says everything without JavaScript. No inline script: the CSP allows 'self' only.
(() => {
  const CONFIG = {
    displayModeBar: false,
    responsive: true,
    scrollZoom: false,
    doubleClick: false,
    showTips: false,
  };

  function draw(element) {
    const source = document.getElementById(element.dataset.chart);
    if (!source) return;
    const figure = JSON.parse(source.textContent);
    const height = Number(element.dataset.height) || 320;
    const layout = { ...figure.layout, height };
    // On a narrow screen the names beside the points overlap: the hover and the table keep them.
    if (element.clientWidth < 520) {
      figure.data
        .filter((trace) => trace.meta === "optional-labels")
        .forEach((trace) => {
          trace.mode = trace.mode.replace("+text", "");
        });
    }
    window.Plotly.newPlot(element, figure.data, layout, CONFIG).then(() => {
      // The container (role="img") is named by the chart's title and summary; the drawing
      // itself says nothing more to a screen reader than the table does.
      element.querySelectorAll("svg").forEach((svg) => svg.setAttribute("aria-hidden", "true"));
      element.classList.add("is-drawn");
    });
  }

  if (window.Plotly) {
    document.querySelectorAll(".chart-plot[data-chart]").forEach(draw);
  }

  // Picking a date selects "Custom dates" in the period selector.
  const filters = document.getElementById("dashboard-filters");
  if (filters) {
    filters.addEventListener("input", (event) => {
      if (!event.target.matches("input[type=date]")) return;
      const select = filters.querySelector("[data-period-select]");
      if (select) select.value = "custom";
    });
  }
})();
