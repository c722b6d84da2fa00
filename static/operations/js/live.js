/* Staff pages with a live part: the server renders it again after every change and sends it over
 * a WebSocket; this swaps it in, keeps keyboard focus where it was, and ticks the clocks. */
(function () {
  "use strict";

  var live = document.querySelector("[data-live]");
  if (!live) return;
  var status = document.querySelector("[data-connection]");
  var labelNode = document.querySelector("template[data-labels]");
  var reconnecting = labelNode ? labelNode.content.querySelector('[data-key="reconnecting"]').textContent : "";
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  var retry = 0;

  function duration(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = String(m).padStart(h ? 2 : 1, "0"), ss = String(s).padStart(2, "0");
    return h ? h + ":" + mm + ":" + ss : mm + ":" + ss;
  }

  function tick() {
    var now = Date.now();
    live.querySelectorAll("[data-since]").forEach(function (node) {
      var since = Date.parse(node.dataset.since);
      if (!isNaN(since)) node.textContent = duration(Math.max(0, Math.floor((now - since) / 1000)));
    });
  }

  function swap(html) {
    var focused = document.activeElement && live.contains(document.activeElement)
      ? document.activeElement.dataset.key : null;
    live.innerHTML = html;
    // Forms rendered without a request carry no CSRF token: give them this page's.
    if (csrf) {
      live.querySelectorAll('form[method="post"]').forEach(function (form) {
        if (!form.querySelector("input[name=csrfmiddlewaretoken]")) form.appendChild(csrf.cloneNode());
      });
    }
    if (focused) {
      var again = live.querySelector('[data-key="' + focused + '"]');
      if (again) again.focus();
    }
    tick();
  }

  function say(text) {
    if (!status) return;
    status.textContent = text;
    status.hidden = !text;
  }

  function connect() {
    var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + live.dataset.socket);
    ws.onopen = function () { retry = 0; say(""); };
    ws.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === "fragment") swap(message.html);
    };
    ws.onclose = function (event) {
      if (event.code === 4401 || event.code === 4403) return;
      say(reconnecting);
      retry = Math.min(retry + 1, 5);
      setTimeout(connect, 500 * Math.pow(2, retry - 1));
    };
  }
  tick();
  setInterval(tick, 1000);
  connect();
})();
