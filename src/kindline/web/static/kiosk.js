/* The kiosk's touch helpers. Every page works without this script (the
   number field is a plain input, 朗读 is a link to the WAV); with it:
   - the big number pad types into the number field (people who never
     used a phone keyboard can still enter a number);
   - 朗读 plays the ticket's audio in the page, or, when the hall has no
     espeak-ng, speaks the same sentence with the browser's own voice. */
(function () {
  "use strict";

  document.querySelectorAll("[data-keypad]").forEach(function (pad) {
    var field = document.getElementById(pad.getAttribute("data-keypad"));
    if (!field) { return; }
    pad.hidden = false;
    pad.addEventListener("click", function (event) {
      var key = event.target.closest("[data-key]");
      if (!key) { return; }
      var value = key.getAttribute("data-key");
      if (value === "back") {
        field.value = field.value.slice(0, -1);
      } else if (field.value.length < (field.maxLength > 0 ? field.maxLength : 18)) {
        field.value += value;
      }
    });
  });

  var tools = document.querySelector("[data-speech]");
  if (!tools) { return; }
  var read = tools.querySelector("[data-read]");
  var player = document.getElementById("ticket-audio");
  var text = tools.getAttribute("data-speech");

  function speak() {
    if (!window.speechSynthesis || !window.SpeechSynthesisUtterance) { return; }
    var words = new SpeechSynthesisUtterance(text);
    words.lang = "zh-CN";
    words.rate = 0.8;  // slower than the default: the kiosk is elder-first
    window.speechSynthesis.cancel();
    window.speechSynthesis.speak(words);
  }

  if (!read) { return; }
  if (!player && window.speechSynthesis) { read.hidden = false; }
  read.addEventListener("click", function (event) {
    event.preventDefault();
    if (!player) { speak(); return; }
    player.currentTime = 0;
    var playing = player.play();
    if (playing && playing.catch) { playing.catch(speak); }
  });
  if (player) { player.addEventListener("error", speak); }
}());
