/* The talk-now queue page: place and estimate kept live over a WebSocket, a visible alert and a
 * short tone (Web Audio, no file) when the taxpayer is asked to confirm, and on to the interview
 * when an agent takes them. Without JavaScript the page still works by reloading. */
(function () {
  "use strict";

  var root = document.querySelector("[data-queue]");
  if (!root) return;
  var labels = {};
  root.querySelector("template[data-labels]").content.querySelectorAll("[data-key]").forEach(function (node) {
    labels[node.dataset.key] = node.textContent.trim();
  });
  var wsUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/queue/";
  var audio = null;
  var alerted = false;  // asked already when the page opens: alert again, the person may have just come back
  var retry = 0;
  var finished = false;
  var title = document.title;

  // Browsers let a page make sound only after the person has interacted with it.
  function unlockAudio() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    audio = audio || new Context();
    if (audio.state === "suspended") audio.resume();
  }
  document.addEventListener("pointerdown", unlockAudio, { once: true });
  document.addEventListener("keydown", unlockAudio, { once: true });

  function tone() {
    unlockAudio();
    if (!audio) return;
    [0, 0.35].forEach(function (offset) {
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, audio.currentTime + offset);
      gain.gain.exponentialRampToValueAtTime(0.3, audio.currentTime + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + offset + 0.25);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(audio.currentTime + offset);
      oscillator.stop(audio.currentTime + offset + 0.3);
    });
  }

  function connection(text) {
    var node = root.querySelector("[data-connection]");
    node.textContent = text || "";
    node.hidden = !text;
  }

  function show(message) {
    root.querySelector("[data-position]").textContent = message.position;
    root.querySelector("[data-estimate]").textContent = message.estimate_text;
    root.querySelector("[data-ready-confirmed]").hidden = !message.ready;
    var box = root.querySelector("[data-ready-box]");
    box.hidden = !message.ask_ready;
    if (message.ask_ready && !alerted) {
      tone();
      box.querySelector("button").focus();
      document.title = "(!) " + title;
    } else if (!message.ask_ready) {
      document.title = title;
    }
    alerted = message.ask_ready;
    connection(message.open ? "" : labels.closed);
  }

  function connect() {
    var ws = new WebSocket(wsUrl);
    ws.onopen = function () { retry = 0; connection(""); };
    ws.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === "queue") {
        show(message);
      } else if (message.type === "taken") {
        finished = true;
        connection(labels.taken);
        location.assign(message.url);
      } else if (message.type === "gone") {
        finished = true;
        connection(labels.gone);
        location.reload();
      }
    };
    ws.onclose = function (event) {
      if (finished || event.code === 4401 || event.code === 4403 || event.code === 4404) return;
      connection(labels.reconnecting);
      retry = Math.min(retry + 1, 5);
      setTimeout(connect, 500 * Math.pow(2, retry - 1));
    };
  }
  connect();
})();
