/* The wallboard's live figures. The page is complete without this script
   (every number is written at load); with it, the server-sent events of
   data-wallboard's address replace each [data-live] element's text. */
(function () {
  "use strict";
  var root = document.querySelector("[data-wallboard]");
  if (!root || !window.EventSource) { return; }
  var note = document.getElementById("live-note");
  var source = new EventSource(root.getAttribute("data-wallboard"));
  source.addEventListener("board", function (event) {
    var values = JSON.parse(event.data);
    root.querySelectorAll("[data-live]").forEach(function (el) {
      var key = el.getAttribute("data-live");
      if (Object.prototype.hasOwnProperty.call(values, key)) { el.textContent = values[key]; }
    });
    if (note) { note.textContent = "实时更新中。"; }
  });
  source.onerror = function () {
    if (note) { note.textContent = "实时连接中断，正在重新连接……"; }
  };
}());
