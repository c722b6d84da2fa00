/* One peer connection to our media host, negotiated over a socket from socket.js: this page
 * offers, the host answers. aiortc does not trickle candidates, so the offer goes once the
 * browser has gathered its own (or after 3 s, with what it has by then). */

const GATHERING_TIMEOUT_MS = 3000;

function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, GATHERING_TIMEOUT_MS);
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/* The kinds ("audio", "video") that `stream` has no track of: the page receives those without sending. */
export function unsent(stream, kinds) {
  return kinds.filter((kind) => !stream.getTracks().some((track) => track.kind === kind));
}

/* Sends every track of `stream` (if any), and receives one track per entry of `receive` in that order. */
export function createPeer(iceServers, { stream = null, receive = [] } = {}) {
  const pc = new RTCPeerConnection({ iceServers: iceServers || [] });
  if (stream) stream.getTracks().forEach((track) => pc.addTrack(track, stream));
  receive.forEach((kind) => pc.addTransceiver(kind, { direction: "recvonly" }));
  return pc;
}

export async function sendOffer(pc, socket) {
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  socket.send({ type: "offer", sdp: pc.localDescription.sdp });
}

/* Only the offer still waiting gets an answer; one meant for a peer since replaced is dropped.
   True when the answer was applied. */
export async function acceptAnswer(pc, sdp) {
  if (!pc || pc.signalingState !== "have-local-offer") return false;
  await pc.setRemoteDescription({ type: "answer", sdp });
  return true;
}
