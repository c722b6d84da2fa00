/* One WebSocket to the server, kept open: it reconnects after a drop, waiting longer after each
 * failed attempt, unless the server closed it with a code that says coming back cannot help.
 * Messages are JSON both ways; a frame that is not JSON is reported and skipped. */

// The codes are defined once on the server (core.protocol.CloseCode); base.html renders them here.
const closeCodes = JSON.parse(document.getElementById("lv-close-codes").textContent);

// Not signed in, not allowed, gone, or replaced by another window: reconnecting would only repeat it.
const FINAL = new Set([closeCodes.NOT_SIGNED_IN, closeCodes.FORBIDDEN, closeCodes.NOT_FOUND, closeCodes.CONFLICT]);

const BASE_DELAY_MS = 500;
const MAX_DOUBLINGS = 4;

function isFinal(code) {
  return FINAL.has(code);
}

/* 0.5 s, 1 s, 2 s, 4 s, then 8 s between attempts, each somewhere in its upper half so that many
   pages dropped at once (a server restart) do not all come back in the same instant. */
function reconnectDelay(attempt) {
  const ceiling = BASE_DELAY_MS * 2 ** Math.min(attempt - 1, MAX_DOUBLINGS);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function parseFrame(data) {
  try {
    return JSON.parse(data);
  } catch (error) {
    console.warn("LiveVerify ignored a message that is not JSON:", error.message);
    return null;
  }
}

function socketUrl(path) {
  return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
}

/* Open `path` (e.g. "/ws/queue/"). Handlers:
   onMessage(message)  each decoded message; it may be async;
   onError(error)      onMessage threw or rejected: tell the person;
   onOpen()            connected (again);
   onReconnecting()    the connection dropped and another attempt is scheduled;
   onClose(event)      closed for good (a final code, or any close when `reconnect` is false).
   close() ends it from this side, with no reconnection. */
export function openSocket(path, { onMessage, onError, onOpen, onReconnecting, onClose, reconnect = true }) {
  let ws = null;
  let attempt = 0;
  let stopped = false;
  let timer = null;

  async function deliver(message) {
    try {
      await onMessage(message);
    } catch (error) {
      onError(error);
    }
  }

  function connect() {
    ws = new WebSocket(socketUrl(path));
    ws.onopen = () => {
      attempt = 0;
      if (onOpen) onOpen();
    };
    ws.onmessage = (event) => {
      const message = parseFrame(event.data);
      if (message !== null) deliver(message);
    };
    ws.onclose = (event) => {
      if (stopped) return;
      if (!reconnect || isFinal(event.code)) {
        stopped = true;
        if (onClose) onClose(event);
        return;
      }
      attempt += 1;
      if (onReconnecting) onReconnecting();
      timer = setTimeout(connect, reconnectDelay(attempt));
    };
  }

  connect();
  return {
    send(message) {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
    },
    close() {
      stopped = true;
      clearTimeout(timer);
      ws.close();
    },
  };
}
