/* A remote ticket's page keeps itself true while the subscriber travels to
   the hall. The page is complete without this script (刷新排队情况 reloads it);
   with it, the ticket's server-sent events bring the people ahead and the
   expected wait whenever they change, written in place, and a change of
   status (called to a counter, expired) reloads the page, whose words for
   that moment are the server's. */
(function () {
  "use strict";
  var root = document.querySelector("[data-ticket-stream]");
  if (!root || !window.EventSource) { return; }
  var ahead = document.getElementById("t-ahead");
  var wait = document.getElementById("t-wait");
  var at = document.getElementById("t-at");
  var source = new EventSource(root.getAttribute("data-ticket-stream"));
  source.addEventListener("ticket", function (event) {
    var t = JSON.parse(event.data);
    if (t.status !== root.getAttribute("data-status")) {
      source.close();
      window.location.reload();
      return;
    }
    if (ahead) { ahead.textContent = t.ahead + "位"; }
    if (wait) { wait.textContent = t.wait_minutes ? "约" + t.wait_minutes + "分钟" : "不用等候"; }
    if (at) { at.textContent = "更新时间：" + t.at; }
  });
}());
