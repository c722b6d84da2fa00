/* The talk-now queue page: place and estimate kept live over a WebSocket, a visible alert and a
 * short tone (Web Audio, no file) when the taxpayer is asked to confirm, and on to the interview
 * when an agent takes them. Without JavaScript the page still works by reloading. */
import { labels } from "../../core/js/labels.js";
import { openSocket } from "../../core/js/socket.js";

function queue(root) {
  const strings = labels("queue");
  const title = document.title;
  let audio = null;
  let alerted = false; // asked already when the page opens: alert again, the person may have just come back

  // Browsers let a page make sound only after the person has interacted with it.
  function unlockAudio() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    audio = audio || new Context();
    // Without sound the alert box still shows; nothing to tell the person.
    if (audio.state === "suspended") audio.resume().catch((error) => console.warn(error));
  }
  document.addEventListener("pointerdown", unlockAudio, { once: true });
  document.addEventListener("keydown", unlockAudio, { once: true });

  function tone() {
    unlockAudio();
    if (!audio) return;
    [0, 0.35].forEach((offset) => {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
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
    const node = root.querySelector("[data-connection]");
    node.textContent = text || "";
    node.hidden = !text;
  }

  function show(message) {
    root.querySelector("[data-position]").textContent = message.position;
    root.querySelector("[data-estimate]").textContent = message.estimate_text;
    root.querySelector("[data-ready-confirmed]").hidden = !message.ready;
    const box = root.querySelector("[data-ready-box]");
    box.hidden = !message.ask_ready;
    if (message.ask_ready && !alerted) {
      tone();
      box.querySelector("button").focus();
      document.title = "(!) " + title;
    } else if (!message.ask_ready) {
      document.title = title;
    }
    alerted = message.ask_ready;
    connection(message.open ? "" : strings.closed);
  }

  const socket = openSocket("/ws/queue/", {
    onOpen: () => connection(""),
    onReconnecting: () => connection(strings.reconnecting),
    onError: (error) => {
      console.error(error);
      connection(strings.failed);
    },
    onMessage: (message) => {
      if (message.type === "queue") {
        show(message);
      } else if (message.type === "taken") {
        socket.close();
        connection(strings.taken);
        location.assign(message.url);
      } else if (message.type === "gone") {
        socket.close();
        connection(strings.gone);
        location.reload();
      }
    },
  });
}

const root = document.querySelector("[data-queue]");
if (root) queue(root);
