/* Silent monitoring: a receive-only peer connection to the media host, which sends the taxpayer's
 * and the agent's tracks (audio and video each, in that order) and receives nothing from here. */
import { labels } from "../../core/js/labels.js";
import { openSocket } from "../../core/js/socket.js";
import { acceptAnswer, createPeer, sendOffer } from "../../core/js/webrtc.js";

function monitor(root) {
  const strings = labels("monitor");
  const status = root.querySelector("[data-status]");
  const streams = [new MediaStream(), new MediaStream()];
  root.querySelectorAll("video[data-track]").forEach((video) => {
    video.srcObject = streams[Number(video.dataset.track)];
  });
  let pc = null;

  const socket = openSocket(`/ws/supervisor/monitor/${root.dataset.session}/`, {
    reconnect: false,
    onError: (error) => {
      console.error(error);
      status.textContent = strings.failed;
    },
    onMessage: async (message) => {
      if (message.type === "hello") {
        pc = createPeer(message.ice_servers, { receive: ["audio", "video", "audio", "video"] });
        pc.ontrack = (event) => {
          const index = pc.getTransceivers().indexOf(event.transceiver);
          streams[index < 2 ? 0 : 1].addTrack(event.track);
        };
        pc.onconnectionstatechange = () => {
          if (pc.connectionState === "connected") status.textContent = strings.watching;
          if (pc.connectionState === "failed") status.textContent = strings.failed;
        };
        await sendOffer(pc, socket);
      } else if (message.type === "answer") {
        await acceptAnswer(pc, message.sdp);
      } else if (message.type === "state" && message.state === "completed") {
        status.textContent = strings.ended;
        if (pc) pc.close();
        socket.close();
      } else if (message.type === "error") {
        status.textContent = message.message;
      }
    },
  });
}

const root = document.querySelector("[data-monitor]");
if (root) monitor(root);
