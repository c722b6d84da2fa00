/* Staff pages with a live part: the server renders it again after every change and sends it over
 * a WebSocket; this swaps it in, keeps keyboard focus where it was, and ticks the clocks. */
import { labels } from "../../core/js/labels.js";
import { openSocket } from "../../core/js/socket.js";

function duration(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const mm = String(m).padStart(h ? 2 : 1, "0");
  const ss = String(s).padStart(2, "0");
  return h ? h + ":" + mm + ":" + ss : mm + ":" + ss;
}

function keepLive(live) {
  const strings = labels("live");
  const status = document.querySelector("[data-connection]");
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");

  function tick() {
    const now = Date.now();
    live.querySelectorAll("[data-since]").forEach((node) => {
      const since = Date.parse(node.dataset.since);
      if (!isNaN(since)) node.textContent = duration(Math.max(0, Math.floor((now - since) / 1000)));
    });
  }

  function swap(html) {
    const focused = document.activeElement && live.contains(document.activeElement) ? document.activeElement.dataset.key : null;
    live.innerHTML = html;
    // Forms rendered without a request carry no CSRF token: give them this page's.
    if (csrf) {
      live.querySelectorAll('form[method="post"]').forEach((form) => {
        if (!form.querySelector("input[name=csrfmiddlewaretoken]")) form.appendChild(csrf.cloneNode());
      });
    }
    if (focused) {
      const again = live.querySelector(`[data-key="${focused}"]`);
      if (again) again.focus();
    }
    tick();
  }

  function say(text) {
    if (!status) return;
    status.textContent = text;
    status.hidden = !text;
  }

  openSocket(live.dataset.socket, {
    onOpen: () => say(""),
    onReconnecting: () => say(strings.reconnecting),
    onError: (error) => {
      console.error(error);
      say(strings.failed);
    },
    onMessage: (message) => {
      if (message.type === "fragment") swap(message.html);
    },
  });
  tick();
  setInterval(tick, 1000);
}

const live = document.querySelector("[data-live]");
if (live) keepLive(live);
