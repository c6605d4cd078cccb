/* Live countdowns for work-order deadlines. The page is complete without this
   script (each due time and the time left when the page was made are written
   in the page); with it, the time left counts down and an SLA badge turns to
   预警 / 超时 as its moment passes. The server's "now" is in data-server-now,
   so a page from a virtual clock (demo, simulation) counts from that time. */
(function () {
  "use strict";
  var root = document.querySelector("[data-server-now]");
  if (!root) { return; }
  var skew = Number(root.getAttribute("data-server-now")) - Date.now() / 1000;
  var STATES = { warning: "预警", breached: "超时" };

  function span(seconds) {
    var total = Math.floor(Math.abs(seconds));
    var minutes = Math.floor(total / 60);
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
    if (days) { return days + "天" + (hours ? hours + "小时" : ""); }
    if (hours) { return hours + "小时" + (mins ? mins + "分" : ""); }
    return mins + "分" + (total % 60) + "秒";
  }

  function turn(badge, state) {
    badge.classList.remove("sla-within", "sla-warning", "sla-breached");
    badge.classList.add("sla-" + state);
    badge.textContent = STATES[state];
    var row = badge.closest("tr");
    if (row) {
      row.classList.remove("row-warning", "row-breached");
      row.classList.add("row-" + state);
    }
  }

  function tick() {
    var now = Date.now() / 1000 + skew;
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var left = Number(el.getAttribute("data-due")) - now;
      el.textContent = (el.getAttribute("data-label") || "") + (left >= 0 ? "剩余" : "已超时") + span(left);
      el.classList.toggle("overdue", left < 0);
    });
    document.querySelectorAll(".sla[data-due]").forEach(function (badge) {
      var due = Number(badge.getAttribute("data-due"));
      var warn = Number(badge.getAttribute("data-warn") || due);
      if (now > due && !badge.classList.contains("sla-breached")) {
        turn(badge, "breached");
      } else if (now >= warn && now <= due && badge.classList.contains("sla-within")) {
        turn(badge, "warning");
      }
    });
  }

  tick();
  window.setInterval(tick, 1000);
}());
