/* The lobby board's live update. The page is complete without this script
   (every figure is written at load); with it, each `board` event of the
   server-sent stream at data-lobby rewrites the figures and the list of
   calls, and every call not seen before is announced: its text in the
   "正在叫号" line and, when the hall has espeak-ng (data-audio="1"), its
   spoken WAV, one after another. Browsers may refuse sound until someone
   touches the screen once: the 开启叫号声音 button is for that. */
(function () {
  "use strict";
  var root = document.querySelector("[data-lobby]");
  if (!root || !window.EventSource) { return; }
  var note = document.getElementById("live-note");
  var now = document.getElementById("call-now");
  var rows = document.getElementById("calls");
  var player = document.getElementById("call-audio");
  var soundOn = document.getElementById("sound-on");
  var audioOn = root.getAttribute("data-audio") === "1" && player;
  var last = root.getAttribute("data-last-call") || "";
  var queue = [];
  var busy = false;

  function setLive(key, value) {
    root.querySelectorAll('[data-live="' + key + '"]').forEach(function (el) { el.textContent = value; });
  }

  function cell(text, className) {
    var td = document.createElement("td");
    td.textContent = text;
    if (className) { td.className = className; }
    return td;
  }

  function drawCalls(calls) {
    var body = document.createElement("tbody");
    body.id = "calls";
    calls.forEach(function (call, index) {
      var tr = document.createElement("tr");
      if (index === 0) { tr.className = "latest"; }
      tr.appendChild(cell(call.number, "call-number"));
      tr.appendChild(cell(call.counter + "号窗口"));
      tr.appendChild(cell(call.time));
      body.appendChild(tr);
    });
    if (!calls.length) {
      var empty = document.createElement("tr");
      var td = cell("今天还没有叫号");
      td.colSpan = 3;
      empty.appendChild(td);
      body.appendChild(empty);
    }
    rows.replaceWith(body);
    rows = body;
  }

  function playNext() {
    if (busy || !queue.length) { return; }
    busy = true;
    player.src = queue.shift();
    var playing = player.play();
    if (playing && playing.catch) {
      playing.catch(function () {
        busy = false;
        queue = [];  // sound is blocked until the screen is touched; the text is on the board
        if (soundOn) { soundOn.hidden = false; }
      });
    }
  }

  if (audioOn) {
    player.addEventListener("ended", function () { busy = false; playNext(); });
    player.addEventListener("error", function () { busy = false; playNext(); });  // 404: text only
  }
  if (soundOn) {
    soundOn.addEventListener("click", function () {
      soundOn.hidden = true;
      player.play().catch(function () {});  // a touch unlocks sound for the page
    });
  }

  function announce(calls) {
    var fresh = [];
    for (var i = 0; i < calls.length && calls[i].key !== last; i += 1) { fresh.push(calls[i]); }
    if (!calls.length) { return; }
    last = calls[0].key;
    root.setAttribute("data-last-call", last);
    if (!fresh.length) { return; }
    fresh = fresh.slice(0, 3);  // after a lost connection: say the latest few, not the whole list
    now.textContent = calls[0].text;
    if (audioOn) {
      fresh.reverse().forEach(function (call) { queue.push(call.audio); });
      playNext();
    }
  }

  var source = new EventSource(root.getAttribute("data-lobby"));
  source.addEventListener("board", function (event) {
    var board = JSON.parse(event.data);
    ["date", "time", "open_text", "hours", "waiting_green", "waiting_total"].forEach(function (key) {
      setLive(key, String(board[key]));
    });
    board.waiting.forEach(function (w) { setLive("waiting-" + w.code, String(w.count)); });
    board.counters.forEach(function (c) { setLive("counter-" + c.number, c.text); });
    drawCalls(board.calls);
    announce(board.calls);
    if (note) { note.textContent = "实时更新中。" + (board.audio ? "" : "本机未安装语音合成，叫号只显示文字。"); }
  });
  source.onerror = function () {
    if (note) { note.textContent = "实时连接中断，正在重新连接……"; }
  };
}());
