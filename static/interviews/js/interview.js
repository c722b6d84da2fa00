/* LiveVerify interview pages: the device check, the waiting room and the call.
 * Media goes to our media host and back; nothing here records or captures frames. */
(function () {
  "use strict";
  // Numbers as the page's language writes them (0,5 % in Spanish).
  var decimal = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    minimumFractionDigits: 1, maximumFractionDigits: 1,
  });

  var wsBase = (location.protocol === "https:" ? "wss://" : "ws://") + location.host;

  function texts(root, selector) {
    var map = {};
    var template = root.querySelector(selector);
    if (!template) return map;
    template.content.querySelectorAll("[data-key]").forEach(function (node) {
      map[node.dataset.key] = node.textContent.trim();
    });
    return map;
  }

  function mediaConstraints(audioOnly, facingMode) {
    return {
      audio: true,
      video: audioOnly ? false : { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: facingMode || "user" }
    };
  }

  /* aiortc does not trickle: send the offer once gathering is done (or after 3 s). */
  function gathered(pc) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise(function (resolve) {
      var timer = setTimeout(resolve, 3000);
      pc.addEventListener("icegatheringstatechange", function () {
        if (pc.iceGatheringState === "complete") { clearTimeout(timer); resolve(); }
      });
    });
  }

  function newPeer(iceServers, stream, wantVideo) {
    var pc = new RTCPeerConnection({ iceServers: iceServers || [] });
    stream.getTracks().forEach(function (track) { pc.addTrack(track, stream); });
    if (!stream.getAudioTracks().length) pc.addTransceiver("audio", { direction: "recvonly" });
    if (!stream.getVideoTracks().length && wantVideo) pc.addTransceiver("video", { direction: "recvonly" });
    return pc;
  }

  async function offer(pc) {
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    return pc.localDescription.sdp;
  }

  /* ---- Device check: microphone level, and an echo through the media host with its figures ---- */
  function DeviceCheck(root, onStream) {
    this.root = root;
    this.audioOnly = root.dataset.audioOnly === "true";
    this.messages = texts(root, "template[data-messages]");
    this.onStream = onStream;
    var button = root.querySelector("[data-start-check]");
    button.addEventListener("click", this.start.bind(this));
    button.disabled = false;  // disabled in the page until this script is ready for it
  }

  DeviceCheck.prototype.say = function (key, kind) {
    this.root.querySelector("[data-verdict]").textContent = this.messages[key] || key;
    var box = this.root.querySelector("[data-verdict-box]");
    box.className = "usa-alert usa-alert--slim margin-y-2 usa-alert--" + (kind || "info");
  };

  DeviceCheck.prototype.stat = function (name, value) {
    this.root.querySelector('[data-stat="' + name + '"]').textContent = value;
  };

  DeviceCheck.prototype.start = async function () {
    var self = this;
    var button = this.root.querySelector("[data-start-check]");
    if (button.disabled) return;
    button.disabled = true;
    this.say("starting");
    try {
      this.stream = this.stream || await navigator.mediaDevices.getUserMedia(mediaConstraints(this.audioOnly));
    } catch (error) {
      this.say("denied", "error");
      button.disabled = false;
      return;
    }
    this.root.querySelector("[data-self-preview]").srcObject = this.stream;
    this.meter();
    if (this.onStream) this.onStream(this.stream);
    var ws = new WebSocket(wsBase + "/ws/device-check/");
    var pc = null;
    var failTimer = setTimeout(function () { self.say("fail", "error"); ws.close(); button.disabled = false; }, 15000);
    ws.onmessage = async function (event) {
      var message = JSON.parse(event.data);
      if (message.type === "hello") {
        pc = newPeer(message.ice_servers, self.stream, !self.audioOnly);
        pc.ontrack = function (e) {
          if (e.track.kind === "video") self.root.querySelector("[data-echo]").srcObject = new MediaStream([e.track]);
        };
        ws.send(JSON.stringify({ type: "offer", sdp: await offer(pc) }));
      } else if (message.type === "answer") {
        await pc.setRemoteDescription({ type: "answer", sdp: message.sdp });
        clearTimeout(failTimer);
        self.measure(pc, ws);
      } else if (message.type === "error") {
        clearTimeout(failTimer);
        self.say("fail", "error");
        button.disabled = false;
      }
    };
    ws.onerror = function () { clearTimeout(failTimer); self.say("fail", "error"); button.disabled = false; };
  };

  DeviceCheck.prototype.meter = function () {
    if (this.metering || !this.stream.getAudioTracks().length) return;
    this.metering = true;
    var context = new (window.AudioContext || window.webkitAudioContext)();
    var analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    context.createMediaStreamSource(this.stream).connect(analyser);
    var samples = new Float32Array(analyser.fftSize);
    var meter = this.root.querySelector("[data-mic-level]");
    (function tick() {
      analyser.getFloatTimeDomainData(samples);
      var sum = 0;
      for (var i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
      meter.value = Math.min(1, Math.sqrt(sum / samples.length) * 4);
      requestAnimationFrame(tick);
    })();
  };

  /* Five one-second readings of getStats: round trip, inbound bitrate and packet loss, counted
     from the first media that comes back (a slow device or a busy host may take a few seconds
     to start the echo: up to 10 s is waited for before the check says it cannot connect). */
  DeviceCheck.prototype.measure = function (pc, ws) {
    var self = this;
    var previous = null;
    var readings = [];
    var rounds = 0;
    var waited = 0;
    var timer = setInterval(async function () {
      var report = await pc.getStats();
      var rtt = null, bytes = 0, received = 0, lost = 0, at = performance.now();
      report.forEach(function (stat) {
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
        var kbps = ((bytes - previous.bytes) * 8) / (at - previous.at);
        readings.push({ rtt: rtt, kbps: kbps });
        self.stat("rtt", rtt === null ? "—" : Math.round(rtt) + " ms");
        self.stat("bitrate", Math.round(kbps) + " kbit/s");
      }
      var lossShare = received + lost ? (100 * lost) / (received + lost) : 0;
      self.stat("loss", decimal.format(lossShare) + " %");
      previous = { bytes: bytes, at: at };
      if (rounds >= 6) {
        clearInterval(timer);
        pc.close();
        ws.close();
        self.verdict(readings, lossShare, received);
        var again = self.root.querySelector("[data-start-check]");
        again.disabled = false;
        again.textContent = again.dataset.againLabel;
      }
    }, 1000);
  };

  DeviceCheck.prototype.verdict = function (readings, lossShare, received) {
    if (!received) { this.say("fail", "error"); return; }
    var rtts = readings.map(function (r) { return r.rtt; }).filter(function (v) { return v !== null; });
    var rtt = rtts.length ? rtts.sort(function (a, b) { return a - b; })[Math.floor(rtts.length / 2)] : 0;
    var kbps = readings.reduce(function (sum, r) { return sum + r.kbps; }, 0) / Math.max(1, readings.length);
    var enough = this.audioOnly ? kbps > 20 : kbps > 150;
    this.root.dataset.verdict = rtt < 400 && lossShare < 3 && enough ? "good" : "choppy";
    this.say(this.root.dataset.verdict, this.root.dataset.verdict === "good" ? "success" : "warning");
  };

  /* ---- The interview: signaling over one WebSocket, one peer connection to the media host ---- */
  function Interview(root) {
    this.root = root;
    this.role = root.dataset.role;
    this.sessionId = root.dataset.session;
    this.audioOnly = root.dataset.audioOnly === "true";
    this.labels = texts(root, "template[data-labels]");
    this.facing = "user";
    this.retry = 0;
    this.waitedBase = null;
    var self = this;
    root.querySelectorAll("[data-command]").forEach(function (button) {
      button.addEventListener("click", function () { self.send({ type: button.dataset.command }); });
    });
    root.querySelectorAll("[data-toggle]").forEach(function (button) {
      button.addEventListener("click", function () { self.toggle(button); });
    });
    var leave = root.querySelector("[data-leave]");
    leave.addEventListener("click", function () {
      self.send({ type: "leave" });
      self.end(self.labels.left, "rejoin");
    });
    var switcher = root.querySelector("[data-switch-camera]");
    if (switcher) switcher.addEventListener("click", function () { self.switchCamera(); });
    var chat = root.querySelector("[data-chat-form]");
    chat.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = chat.querySelector("input");
      var text = input.value.trim();
      if (!text) return;
      self.send({ type: "chat", text: text });
      self.appendChat(self.labels.you, text);
      input.value = "";
    });
    setInterval(function () { self.tickWait(); }, 1000);
  }

  Interview.prototype.status = function (text) {
    var node = this.root.querySelector("[data-status]");
    if (node.textContent !== text) node.textContent = text;
    this.root.querySelector("[data-status-box]").hidden = !text;
  };

  /* The agent's live challenge or a code notice, shown large on the taxpayer's screen. */
  Interview.prototype.notice = function (kind, text) {
    var box = this.root.querySelector("[data-" + kind + "-box]");
    if (!box) return;
    box.querySelector("[data-" + kind + "-text]").textContent = text;
    box.hidden = !text;
    // On a phone the notice sits above the video, out of sight once the person has scrolled.
    if (text) box.scrollIntoView({ block: "nearest" });
  };

  Interview.prototype.show = function (stage) {
    this.root.querySelectorAll("[data-stage]").forEach(function (section) {
      section.hidden = section.dataset.stage !== stage;
    });
  };

  Interview.prototype.start = async function (stream) {
    try {
      this.stream = stream || await navigator.mediaDevices.getUserMedia(mediaConstraints(this.audioOnly));
    } catch (error) {
      this.stream = new MediaStream();
    }
    this.root.querySelector("[data-self]").srcObject = this.stream;
    this.connect();
  };

  Interview.prototype.connect = function () {
    var self = this;
    this.ws = new WebSocket(wsBase + "/ws/interviews/" + this.sessionId + "/");
    this.ws.onopen = function () { self.retry = 0; };
    this.ws.onmessage = function (event) { self.onMessage(JSON.parse(event.data)); };
    this.ws.onclose = function (event) {
      if (self.finished || event.code === 4403 || event.code === 4401 || event.code === 4409) return;
      self.status(self.labels.reconnecting);
      self.retry = Math.min(self.retry + 1, 5);
      setTimeout(function () { self.connect(); }, 500 * Math.pow(2, self.retry - 1));
    };
  };

  Interview.prototype.send = function (message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  };

  Interview.prototype.onMessage = async function (message) {
    if (message.type === "hello") {
      this.iceServers = message.ice_servers;
      this.onState(message);
      await this.negotiate();
    } else if (message.type === "answer") {
      // Only the offer still waiting gets an answer; one for a replaced peer is dropped.
      if (this.pc && this.pc.signalingState === "have-local-offer") {
        await this.pc.setRemoteDescription({ type: "answer", sdp: message.sdp });
      }
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
      if (message.code === "ended" || message.code === "replaced") this.end(message.message, message.code === "ended" ? "result" : "rejoin");
      else this.status(message.message);
    }
  };

  /* A fresh peer connection each time (aiortc has no ICE restart): first join, reload or drop. */
  Interview.prototype.negotiate = async function () {
    var self = this;
    clearTimeout(this.renegotiateTimer);
    if (this.pc) this.pc.close();
    var pc = newPeer(this.iceServers, this.stream, true);
    this.pc = pc;
    var remote = new MediaStream();
    this.root.querySelector("[data-remote]").srcObject = remote;
    pc.ontrack = function (event) { remote.addTrack(event.track); };
    pc.onconnectionstatechange = function () {
      if (pc !== self.pc) return;
      if (pc.connectionState === "failed" || pc.connectionState === "disconnected") {
        clearTimeout(self.renegotiateTimer);
        self.renegotiateTimer = setTimeout(function () {
          if (pc === self.pc && pc.connectionState !== "connected") self.negotiate();
        }, pc.connectionState === "failed" ? 0 : 4000);
      }
    };
    this.send({ type: "offer", sdp: await offer(pc) });
  };

  Interview.prototype.onState = function (message) {
    var state = message.state;
    this.root.dataset.state = state;
    this.waitedBase = message.waited_seconds === null || message.waited_seconds === undefined
      ? null : { seconds: message.waited_seconds, at: Date.now() };
    var otherConnected = this.role === "agent" ? message.taxpayer_connected : message.agent_connected;
    if (otherConnected) this.otherLeft = false;
    if (this.role === "taxpayer") {
      if (state === "waiting") this.show("waiting");
      else if (state === "live" || state === "interrupted") this.show("call");
      else if (state === "completed" || state === "no_show") this.end(this.labels[state], state === "completed" ? "result" : null);
    } else {
      var admit = this.root.querySelector('[data-command="admit"]');
      var endButton = this.root.querySelector('[data-command="end"]');
      var admitHadFocus = document.activeElement === admit;
      admit.disabled = !((state === "waiting" && message.taxpayer_connected) || state === "interrupted");
      endButton.disabled = !(state === "live" || state === "interrupted");
      // A keyboard user who just admitted the taxpayer keeps their place, on "End the interview",
      // instead of falling back to the top of the page with the disabled button.
      if (state === "live" && this.previousState && this.previousState !== "live" &&
          (admitHadFocus || document.activeElement === document.body)) {
        endButton.focus();
      }
      if (state === "completed") this.end(this.labels.completed);
    }
    if (this.previousState !== state) {
      this.previousState = state;
      document.dispatchEvent(new CustomEvent("interview:state", { detail: { state: state } }));
    }
    if (this.finished) return;
    var text = this.labels[state] || state;
    if (state === "live" && otherConnected === false) {
      text = this.labels[this.otherLeft ? "other-left" : "other-reconnecting"];
    }
    if (this.role === "agent" && state === "scheduled") text = this.labels["not-here"];
    if (this.role === "agent" && state === "waiting" && message.taxpayer_connected === false) {
      text = this.labels["other-reconnecting"];
    }
    this.baseStatus = text;
    this.tickWait();
  };

  Interview.prototype.tickWait = function () {
    if (!this.baseStatus) return;
    if (this.role === "agent" && this.waitedBase && this.root.dataset.state === "waiting") {
      var seconds = this.waitedBase.seconds + Math.floor((Date.now() - this.waitedBase.at) / 1000);
      var minutes = Math.floor(seconds / 60);
      var rest = String(seconds % 60).padStart(2, "0");
      this.status(this.labels.waited.replace("{time}", minutes + ":" + rest));
    } else {
      this.status(this.baseStatus);
    }
  };

  /* The call is over for this page. `next` is what the person can do now: "result" when the
     interview itself ended, "rejoin" when they left (or it moved to another window) and may come back. */
  Interview.prototype.end = function (text, next) {
    this.finished = true;
    this.baseStatus = null;
    if (this.pc) this.pc.close();
    if (this.ws) this.ws.close();
    if (this.stream) this.stream.getTracks().forEach(function (track) { track.stop(); });
    this.root.querySelectorAll("[data-stage=call] button, [data-stage=call] input").forEach(function (control) {
      control.disabled = true;
    });
    var endedText = this.root.querySelector("[data-ended-text]");
    if (endedText) {
      endedText.textContent = text;
      this.root.querySelector("[data-result-link]").hidden = next !== "result";
      this.root.querySelector("[data-rejoin-link]").hidden = next !== "rejoin";
      this.show("ended");
      this.status("");
    } else {
      this.status(text);
    }
  };

  Interview.prototype.toggle = function (button) {
    var kind = button.dataset.toggle;
    var tracks = kind === "audio" ? this.stream.getAudioTracks() : this.stream.getVideoTracks();
    if (!tracks.length) return;
    var off = tracks[0].enabled;
    tracks.forEach(function (track) { track.enabled = !off; });
    button.setAttribute("aria-pressed", String(off));
    button.textContent = kind === "audio"
      ? (off ? this.labels.unmute : this.labels.mute)
      : (off ? this.labels["camera-on"] : this.labels["camera-off"]);
  };

  Interview.prototype.switchCamera = async function () {
    var next = this.facing === "user" ? "environment" : "user";
    var old = this.stream.getVideoTracks()[0];
    var enabled = old ? old.enabled : true;
    // Many phones open only one camera at a time: release the current one first.
    if (old) { old.stop(); this.stream.removeTrack(old); }
    var track;
    try {
      track = (await navigator.mediaDevices.getUserMedia({ video: { facingMode: next } })).getVideoTracks()[0];
      this.facing = next;
    } catch (error) {
      track = (await navigator.mediaDevices.getUserMedia({ video: { facingMode: this.facing } })).getVideoTracks()[0];
    }
    track.enabled = enabled;
    this.stream.addTrack(track);
    var video = this.pc && this.pc.getTransceivers().find(function (t) { return t.receiver.track.kind === "video"; });
    if (video) await video.sender.replaceTrack(track);
  };

  Interview.prototype.appendChat = function (who, text) {
    var item = document.createElement("li");
    var name = document.createElement("strong");
    name.textContent = who + ": ";
    item.appendChild(name);
    item.appendChild(document.createTextNode(text));
    var log = this.root.querySelector("[data-chat-log]");
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  };

  /* ---- Wire the page up ---- */
  var interviewRoot = document.querySelector("[data-interview]");
  var checkRoot = document.querySelector("[data-device-check]");
  var interview = interviewRoot ? new Interview(interviewRoot) : null;
  var checkedStream = null;
  if (checkRoot) new DeviceCheck(checkRoot, function (stream) { checkedStream = stream; });
  var rejoining = interview && ["waiting", "live", "interrupted"].indexOf(interviewRoot.dataset.initialState) >= 0;
  if (interview && (interview.role === "agent" || rejoining)) interview.start();
  var enter = document.querySelector("[data-enter-waiting]");
  if (interview && enter) {
    enter.addEventListener("click", function () {
      enter.disabled = true;
      interview.start(checkedStream);
    });
    enter.disabled = false;  // disabled in the page until this script is ready for it
  }
})();
