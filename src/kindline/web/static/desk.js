/* The agent desk's live part. The page is complete without this script (the
   agent can press 刷新); with it, the desk's server-sent events say when the
   agent's situation changed (an offer rings, a missed offer went back to the
   queue, the caller hung up), and the script fetches the desk again and puts
   the new content in place: an offer appears, with the caller's page, without
   the agent reloading. The new offer is announced and its answer button
   focused, so a keyboard or screen-reader agent can take it at once. */
(function () {
  "use strict";
  var root = document.querySelector("[data-desk]");
  if (!root || !window.EventSource || !window.fetch || !window.DOMParser) { return; }
  var note = document.getElementById("desk-live-note");
  var loading = false;
  var again = false;  // an event came while the desk was being fetched

  function say(text) { if (note) { note.textContent = text; } }

  // What the agent typed (notes while talking) survives the swap when the same form comes back,
  // e.g. the caller hung up while the agent was writing: the desk changes, the words stay.
  function typed() {
    var kept = {};
    root.querySelectorAll("form textarea, form input[type=text], form select").forEach(function (el) {
      var changed = el.tagName === "SELECT"
        ? Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; })
        : el.value !== el.defaultValue;
      if (changed && el.name) { kept[el.form.getAttribute("action") + "|" + el.name] = el.value; }
    });
    return kept;
  }

  function restore(kept) {
    root.querySelectorAll("form textarea, form input[type=text], form select").forEach(function (el) {
      var key = el.form.getAttribute("action") + "|" + el.name;
      if (Object.prototype.hasOwnProperty.call(kept, key)) { el.value = kept[key]; }
    });
  }

  function refresh() {
    if (loading) { again = true; return; }
    loading = true;
    again = false;
    fetch(window.location.pathname, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (answer) {
        if (!answer.ok) { throw new Error(String(answer.status)); }
        return answer.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-desk]");
        if (!fresh) { throw new Error("no desk"); }
        var kept = typed();
        root.innerHTML = fresh.innerHTML;
        restore(kept);
        root.setAttribute("data-desk-version", fresh.getAttribute("data-desk-version"));
        var answerButton = root.querySelector("form[action$='/answer'] button");
        if (answerButton) {
          say("新来电，请接听。");
          answerButton.focus();
        } else {
          say("工作台已更新。");
        }
      })
      .catch(function () { say("工作台更新失败，请点“刷新”。"); })
      .then(function () {
        loading = false;
        if (again) { refresh(); }
      });
  }

  var source = new EventSource(root.getAttribute("data-desk"));
  source.addEventListener("desk", function (event) {
    if (JSON.parse(event.data).version !== root.getAttribute("data-desk-version")) { refresh(); }
  });
  source.onerror = function () { say("实时连接中断，正在重新连接……"); };
}());
