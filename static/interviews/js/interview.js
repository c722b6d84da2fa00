/* LiveVerify interview pages: the device check, the waiting room and the call.
 * Media goes to our media host and back; nothing here records or captures frames. */
import { labels } from "../../core/js/labels.js";
import { openSocket } from "../../core/js/socket.js";
import { acceptAnswer, createPeer, sendOffer, unsent } from "../../core/js/webrtc.js";

// Numbers as the page's language writes them (0,5 % in Spanish).
const decimal = new Intl.NumberFormat(document.documentElement.lang || undefined, {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

function mediaConstraints(audioOnly, facingMode) {
  return {
    audio: true,
    video: audioOnly ? false : { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: facingMode || "user" },
  };
}

/* ---- Device check: microphone level, and an echo through the media host with its figures ---- */
class DeviceCheck {
  constructor(root, onStream) {
    this.root = root;
    this.audioOnly = root.dataset.audioOnly === "true";
    this.messages = labels("device-check");
    this.onStream = onStream;
    this.button = root.querySelector("[data-start-check]");
    this.button.addEventListener("click", () => this.start().catch((error) => this.fail(error)));
    this.button.disabled = false; // disabled in the page until this script is ready for it
  }

  say(key, kind) {
    this.root.querySelector("[data-verdict]").textContent = this.messages[key] || key;
    const box = this.root.querySelector("[data-verdict-box]");
    box.className = "usa-alert usa-alert--slim margin-y-2 usa-alert--" + (kind || "info");
  }

  stat(name, value) {
    this.root.querySelector(`[data-stat="${name}"]`).textContent = value;
  }

  /* The check could not run to its end: say so and let the person try again. */
  fail(error) {
    if (error) console.error(error);
    clearTimeout(this.failTimer);
    clearInterval(this.measuring);
    if (this.pc) this.pc.close();
    if (this.socket) this.socket.close();
    this.say("fail", "error");
    this.button.disabled = false;
  }

  async start() {
    if (this.button.disabled) return;
    this.button.disabled = true;
    this.say("starting");
    try {
      this.stream = this.stream || (await navigator.mediaDevices.getUserMedia(mediaConstraints(this.audioOnly)));
    } catch {
      this.say("denied", "error");
      this.button.disabled = false;
      return;
    }
    this.root.querySelector("[data-self-preview]").srcObject = this.stream;
    this.meter();
    if (this.onStream) this.onStream(this.stream);
    this.pc = null;
    this.socket = openSocket("/ws/device-check/", {
      reconnect: false,
      onMessage: (message) => this.onMessage(message),
      onError: (error) => this.fail(error),
      onClose: () => this.fail(),
    });
    this.failTimer = setTimeout(() => this.fail(), 15000);
  }

  async onMessage(message) {
    if (message.type === "hello") {
      const kinds = this.audioOnly ? ["audio"] : ["audio", "video"];
      this.pc = createPeer(message.ice_servers, { stream: this.stream, receive: unsent(this.stream, kinds) });
      this.pc.ontrack = (event) => {
        if (event.track.kind === "video") this.root.querySelector("[data-echo]").srcObject = new MediaStream([event.track]);
      };
      await sendOffer(this.pc, this.socket);
    } else if (message.type === "answer") {
      await acceptAnswer(this.pc, message.sdp);
      clearTimeout(this.failTimer);
      this.measure();
    } else if (message.type === "error") {
      this.fail();
    }
  }

  meter() {
    if (this.metering || !this.stream.getAudioTracks().length) return;
    this.metering = true;
    const context = new (window.AudioContext || window.webkitAudioContext)();
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    context.createMediaStreamSource(this.stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const meter = this.root.querySelector("[data-mic-level]");
    const tick = () => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const sample of samples) sum += sample * sample;
      meter.value = Math.min(1, Math.sqrt(sum / samples.length) * 4);
      requestAnimationFrame(tick);
    };
    tick();
  }

  /* Five one-second readings of getStats: round trip, inbound bitrate and packet loss, counted
     from the first media that comes back (a slow device or a busy host may take a few seconds
     to start the echo: up to 10 s is waited for before the check says it cannot connect). */
  measure() {
    let previous = null;
    const readings = [];
    let rounds = 0;
    let waited = 0;
    const read = async () => {
      const report = await this.pc.getStats();
      let rtt = null;
      let bytes = 0;
      let received = 0;
      let lost = 0;
      const at = performance.now();
      report.forEach((stat) => {
        if (stat.type === "candidate-pair" && stat.nominated && stat.currentRoundTripTime !== undefined) {
          rtt = stat.currentRoundTripTime * 1000;
        }
        if (stat.type === "inbound-rtp") {
          bytes += stat.bytesReceived || 0;
          received += stat.packetsReceived || 0;
          lost += stat.packetsLost || 0;
        }
      });
      if (!received && waited < 10) {
        waited += 1;
        return;
      }
      rounds += 1;
      if (previous) {
        const kbps = ((bytes - previous.bytes) * 8) / (at - previous.at);
        readings.push({ rtt, kbps });
        this.stat("rtt", rtt === null ? "—" : Math.round(rtt) + " ms");
        this.stat("bitrate", Math.round(kbps) + " kbit/s");
      }
      const lossShare = received + lost ? (100 * lost) / (received + lost) : 0;
      this.stat("loss", decimal.format(lossShare) + " %");
      previous = { bytes, at };
      if (rounds >= 6) {
        clearInterval(this.measuring);
        this.pc.close();
        this.socket.close();
        this.verdict(readings, lossShare, received);
        this.button.disabled = false;
        this.button.textContent = this.messages.again;
      }
    };
    this.measuring = setInterval(() => read().catch((error) => this.fail(error)), 1000);
  }

  verdict(readings, lossShare, received) {
    if (!received) {
      this.say("fail", "error");
      return;
    }
    const rtts = readings.map((reading) => reading.rtt).filter((value) => value !== null);
    const rtt = rtts.length ? rtts.sort((a, b) => a - b)[Math.floor(rtts.length / 2)] : 0;
    const kbps = readings.reduce((sum, reading) => sum + reading.kbps, 0) / Math.max(1, readings.length);
    const enough = this.audioOnly ? kbps > 20 : kbps > 150;
    this.root.dataset.verdict = rtt < 400 && lossShare < 3 && enough ? "good" : "choppy";
    this.say(this.root.dataset.verdict, this.root.dataset.verdict === "good" ? "success" : "warning");
  }
}

/* ---- The interview: signaling over one WebSocket, one peer connection to the media host ---- */
class Interview {
  constructor(root) {
    this.root = root;
    this.role = root.dataset.role;
    this.sessionId = root.dataset.session;
    this.audioOnly = root.dataset.audioOnly === "true";
    this.labels = labels("call");
    this.facing = "user";
    this.waitedBase = null;
    this.problem = null;
    root.querySelectorAll("[data-command]").forEach((button) => {
      button.addEventListener("click", () => this.send({ type: button.dataset.command }));
    });
    root.querySelectorAll("[data-toggle]").forEach((button) => {
      button.addEventListener("click", () => this.toggle(button));
    });
    root.querySelector("[data-leave]").addEventListener("click", () => {
      this.send({ type: "leave" });
      this.end(this.labels.left, "rejoin");
    });
    const switcher = root.querySelector("[data-switch-camera]");
    if (switcher) {
      switcher.addEventListener("click", () => {
        this.switchCamera().catch((error) => this.failed(error, this.labels["camera-failed"]));
      });
    }
    const chat = root.querySelector("[data-chat-form]");
    chat.addEventListener("submit", (event) => {
      event.preventDefault();
      const input = chat.querySelector("input");
      const text = input.value.trim();
      if (!text) return;
      this.send({ type: "chat", text });
      this.appendChat(this.labels.you, text);
      input.value = "";
    });
    setInterval(() => this.tickWait(), 1000);
  }

  status(text, kind = "info") {
    const node = this.root.querySelector("[data-status]");
    if (node.textContent !== text) node.textContent = text;
    const box = this.root.querySelector("[data-status-box]");
    box.classList.toggle("usa-alert--info", kind === "info");
    box.classList.toggle("usa-alert--error", kind === "error");
    box.hidden = !text;
  }

  /* Something failed that the person may need to act on: it stays in the status line until the
     call is set up again (or the camera switched), whatever else happens meanwhile. */
  failed(error, text) {
    console.error(error);
    if (this.finished) return;
    this.problem = text || this.labels["call-failed"];
    this.tickWait();
  }

  /* The agent's live challenge or a code notice, shown large on the taxpayer's screen. */
  notice(kind, text) {
    const box = this.root.querySelector(`[data-${kind}-box]`);
    if (!box) return;
    box.querySelector(`[data-${kind}-text]`).textContent = text;
    box.hidden = !text;
    // On a phone the notice sits above the video, out of sight once the person has scrolled.
    if (text) box.scrollIntoView({ block: "nearest" });
  }

  show(stage) {
    this.root.querySelectorAll("[data-stage]").forEach((section) => {
      section.hidden = section.dataset.stage !== stage;
    });
  }

  async start(stream) {
    try {
      this.stream = stream || (await navigator.mediaDevices.getUserMedia(mediaConstraints(this.audioOnly)));
    } catch {
      this.stream = new MediaStream();
    }
    this.root.querySelector("[data-self]").srcObject = this.stream;
    this.socket = openSocket(`/ws/interviews/${this.sessionId}/`, {
      onMessage: (message) => this.onMessage(message),
      onError: (error) => this.failed(error),
      onReconnecting: () => this.status(this.labels.reconnecting),
    });
  }

  send(message) {
    if (this.socket) this.socket.send(message);
  }

  async onMessage(message) {
    if (message.type === "hello") {
      this.iceServers = message.ice_servers;
      this.onState(message);
      await this.negotiate();
    } else if (message.type === "answer") {
      const pc = this.pc;
      if ((await acceptAnswer(pc, message.sdp)) && pc === this.pc) this.problem = null;
    } else if (message.type === "state") {
      this.onState(message);
    } else if (message.type === "left") {
      this.otherLeft = true;
      this.baseStatus = this.labels["other-left"];
      this.tickWait();
    } else if (message.type === "chat") {
      this.appendChat(this.labels[message.sender] || message.sender, message.text);
    } else if (message.type === "challenge") {
      this.notice("challenge", message.text);
    } else if (message.type === "code_sent") {
      this.notice("code", message.text);
    } else if (message.type === "outcome") {
      this.notice("code", "");
    } else if (message.type === "error") {
      if (message.code === "ended" || message.code === "replaced") {
        this.end(message.message, message.code === "ended" ? "result" : "rejoin");
      } else {
        this.status(message.message);
      }
    }
  }

  /* A fresh peer connection each time (aiortc has no ICE restart): first join, reload or drop. */
  async negotiate() {
    clearTimeout(this.renegotiateTimer);
    if (this.pc) this.pc.close();
    const pc = createPeer(this.iceServers, { stream: this.stream, receive: unsent(this.stream, ["audio", "video"]) });
    this.pc = pc;
    const remote = new MediaStream();
    this.root.querySelector("[data-remote]").srcObject = remote;
    pc.ontrack = (event) => remote.addTrack(event.track);
    pc.onconnectionstatechange = () => {
      if (pc !== this.pc) return;
      if (pc.connectionState === "failed" || pc.connectionState === "disconnected") {
        clearTimeout(this.renegotiateTimer);
        this.renegotiateTimer = setTimeout(
          () => {
            if (pc === this.pc && pc.connectionState !== "connected") this.negotiate().catch((error) => this.failed(error));
          },
          pc.connectionState === "failed" ? 0 : 4000,
        );
      }
    };
    await sendOffer(pc, this.socket);
  }

  onState(message) {
    const state = message.state;
    this.root.dataset.state = state;
    this.waitedBase =
      message.waited_seconds === null || message.waited_seconds === undefined
        ? null
        : { seconds: message.waited_seconds, at: Date.now() };
    const otherConnected = this.role === "agent" ? message.taxpayer_connected : message.agent_connected;
    if (otherConnected) this.otherLeft = false;
    if (this.role === "taxpayer") {
      if (state === "waiting") this.show("waiting");
      else if (state === "live" || state === "interrupted") this.show("call");
      else if (state === "completed" || state === "no_show") {
        this.end(this.labels[state], state === "completed" ? "result" : null);
      }
    } else {
      const admit = this.root.querySelector('[data-command="admit"]');
      const endButton = this.root.querySelector('[data-command="end"]');
      const admitHadFocus = document.activeElement === admit;
      admit.disabled = !((state === "waiting" && message.taxpayer_connected) || state === "interrupted");
      endButton.disabled = !(state === "live" || state === "interrupted");
      // A keyboard user who just admitted the taxpayer keeps their place, on "End the interview",
      // instead of falling back to the top of the page with the disabled button.
      if (
        state === "live" &&
        this.previousState &&
        this.previousState !== "live" &&
        (admitHadFocus || document.activeElement === document.body)
      ) {
        endButton.focus();
      }
      if (state === "completed") this.end(this.labels.completed);
    }
    if (this.previousState !== state) {
      this.previousState = state;
      document.dispatchEvent(new CustomEvent("interview:state", { detail: { state } }));
    }
    if (this.finished) return;
    let text = this.labels[state] || state;
    if (state === "live" && otherConnected === false) {
      text = this.labels[this.otherLeft ? "other-left" : "other-reconnecting"];
    }
    if (this.role === "agent" && state === "scheduled") text = this.labels["not-here"];
    if (this.role === "agent" && state === "waiting" && message.taxpayer_connected === false) {
      text = this.labels["other-reconnecting"];
    }
    this.baseStatus = text;
    this.tickWait();
  }

  tickWait() {
    if (this.problem) {
      this.status(this.problem, "error");
    } else if (!this.baseStatus) {
      return;
    } else if (this.role === "agent" && this.waitedBase && this.root.dataset.state === "waiting") {
      const seconds = this.waitedBase.seconds + Math.floor((Date.now() - this.waitedBase.at) / 1000);
      const minutes = Math.floor(seconds / 60);
      const rest = String(seconds % 60).padStart(2, "0");
      this.status(this.labels.waited.replace("{time}", minutes + ":" + rest));
    } else {
      this.status(this.baseStatus);
    }
  }

  /* The call is over for this page. `next` is what the person can do now: "result" when the
     interview itself ended, "rejoin" when they left (or it moved to another window) and may come back. */
  end(text, next) {
    this.finished = true;
    this.baseStatus = null;
    this.problem = null;
    if (this.pc) this.pc.close();
    if (this.socket) this.socket.close();
    if (this.stream) this.stream.getTracks().forEach((track) => track.stop());
    this.root.querySelectorAll("[data-stage=call] button, [data-stage=call] input").forEach((control) => {
      control.disabled = true;
    });
    const endedText = this.root.querySelector("[data-ended-text]");
    if (endedText) {
      endedText.textContent = text;
      this.root.querySelector("[data-result-link]").hidden = next !== "result";
      this.root.querySelector("[data-rejoin-link]").hidden = next !== "rejoin";
      this.show("ended");
      this.status("");
    } else {
      this.status(text);
    }
  }

  toggle(button) {
    const kind = button.dataset.toggle;
    const tracks = kind === "audio" ? this.stream.getAudioTracks() : this.stream.getVideoTracks();
    if (!tracks.length) return;
    const off = tracks[0].enabled;
    tracks.forEach((track) => {
      track.enabled = !off;
    });
    button.setAttribute("aria-pressed", String(off));
    if (kind === "audio") button.textContent = off ? this.labels.unmute : this.labels.mute;
    else button.textContent = off ? this.labels["camera-on"] : this.labels["camera-off"];
  }

  async switchCamera() {
    const next = this.facing === "user" ? "environment" : "user";
    const old = this.stream.getVideoTracks()[0];
    const enabled = old ? old.enabled : true;
    // Many phones open only one camera at a time: release the current one first.
    if (old) {
      old.stop();
      this.stream.removeTrack(old);
    }
    let track;
    try {
      track = (await navigator.mediaDevices.getUserMedia({ video: { facingMode: next } })).getVideoTracks()[0];
      this.facing = next;
    } catch {
      track = (await navigator.mediaDevices.getUserMedia({ video: { facingMode: this.facing } })).getVideoTracks()[0];
    }
    track.enabled = enabled;
    this.stream.addTrack(track);
    const video = this.pc && this.pc.getTransceivers().find((t) => t.receiver.track.kind === "video");
    if (video) await video.sender.replaceTrack(track);
    this.problem = null;
  }

  appendChat(who, text) {
    const item = document.createElement("li");
    const name = document.createElement("strong");
    name.textContent = who + ": ";
    item.appendChild(name);
    item.appendChild(document.createTextNode(text));
    const log = this.root.querySelector("[data-chat-log]");
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }
}

/* ---- Wire the page up ---- */
const interviewRoot = document.querySelector("[data-interview]");
const checkRoot = document.querySelector("[data-device-check]");
const interview = interviewRoot ? new Interview(interviewRoot) : null;
let checkedStream = null;
if (checkRoot) {
  new DeviceCheck(checkRoot, (stream) => {
    checkedStream = stream;
  });
}
const rejoining = interview && ["waiting", "live", "interrupted"].includes(interviewRoot.dataset.initialState);
function enterCall(stream) {
  interview.start(stream).catch((error) => interview.failed(error));
}
if (interview && (interview.role === "agent" || rejoining)) enterCall();
const enter = document.querySelector("[data-enter-waiting]");
if (interview && enter) {
  enter.addEventListener("click", () => {
    enter.disabled = true;
    enterCall(checkedStream);
  });
  enter.disabled = false; // disabled in the page until this script is ready for it
}
