/* Silent monitoring: a receive-only peer connection to the media host, which sends the taxpayer's
 * and the agent's tracks (audio and video each, in that order) and receives nothing from here. */
(function () {
  "use strict";

  var root = document.querySelector("[data-monitor]");
  if (!root) return;
  var labels = {};
  root.querySelector("template[data-labels]").content.querySelectorAll("[data-key]").forEach(function (node) {
    labels[node.dataset.key] = node.textContent.trim();
  });
  var status = root.querySelector("[data-status]");
  var streams = [new MediaStream(), new MediaStream()];
  root.querySelectorAll("video[data-track]").forEach(function (video) {
    video.srcObject = streams[Number(video.dataset.track)];
  });
  var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host +
    "/ws/supervisor/monitor/" + root.dataset.session + "/");
  var pc = null;

  function gathered() {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise(function (resolve) {
      var timer = setTimeout(resolve, 3000);
      pc.addEventListener("icegatheringstatechange", function () {
        if (pc.iceGatheringState === "complete") { clearTimeout(timer); resolve(); }
      });
    });
  }

  ws.onmessage = async function (event) {
    var message = JSON.parse(event.data);
    if (message.type === "hello") {
      pc = new RTCPeerConnection({ iceServers: message.ice_servers || [] });
      ["audio", "video", "audio", "video"].forEach(function (kind) { pc.addTransceiver(kind, { direction: "recvonly" }); });
      pc.ontrack = function (e) {
        var index = pc.getTransceivers().indexOf(e.transceiver);
        streams[index < 2 ? 0 : 1].addTrack(e.track);
      };
      pc.onconnectionstatechange = function () {
        if (pc.connectionState === "connected") status.textContent = labels.watching;
        if (pc.connectionState === "failed") status.textContent = labels.failed;
      };
      await pc.setLocalDescription(await pc.createOffer());
      await gathered();
      ws.send(JSON.stringify({ type: "offer", sdp: pc.localDescription.sdp }));
    } else if (message.type === "answer") {
      await pc.setRemoteDescription({ type: "answer", sdp: message.sdp });
    } else if (message.type === "state" && message.state === "completed") {
      status.textContent = labels.ended;
      if (pc) pc.close();
      ws.close();
    } else if (message.type === "error") {
      status.textContent = message.message;
    }
  };
})();
