// The browser side of Caucus video sessions, used from Rust through
// wasm-bindgen (`#[wasm_bindgen(module = "/js/facade.js")]` in src/ffi.rs).
//
// - Device key: a non-extractable ECDSA P-256 key pair kept in IndexedDB.
// - Lobby checks: device list, camera/mic preview with a level meter, a test
//   tone, a reachability check of the LiveKit server.
// - Call: a LiveKit room rendered as tiles into a grid element, with events
//   reported as JSON strings.
//
// livekit-client is loaded lazily from /livekit-client.js on this origin (the
// esbuild bundle from video-kit/build.sh, shipped by the portals with Trunk
// `rel="copy-file"`), so only pages that use video download it.
//
// Errors thrown from here are `Error`s whose `name` is one of the kinds below
// and whose `message` is short, human and free of tokens and URLs.

const ErrorKind = Object.freeze({
  PermissionDenied: 'PermissionDenied', // camera/mic/screen permission refused
  DeviceNotFound: 'DeviceNotFound', // no such camera/mic/speaker
  DeviceInUse: 'DeviceInUse', // the device could not be started
  NotAllowed: 'NotAllowed', // the video server refused the token
  ServerUnreachable: 'ServerUnreachable',
  Timeout: 'Timeout',
  Unsupported: 'Unsupported', // this browser lacks something we need
  Failed: 'Failed', // anything else
});

function videoError(kind, message) {
  const error = new Error(message);
  error.name = kind;
  return error;
}

// ---------------------------------------------------------------------------
// Lazy LiveKit bundle

let livekitModule = null;

function livekit() {
  if (!livekitModule) {
    livekitModule = import(new URL('/livekit-client.js', location.origin).href)
      .then((lk) => {
        // LiveKit redacts tokens in its own logs; keep it quiet anyway,
        // unless support asked for more (`localStorage['caucus-video-log'] =
        // 'debug'`, in this browser only; see docs/video.md).
        let level = 'warn';
        try {
          const wanted = localStorage.getItem('caucus-video-log');
          if (['trace', 'debug', 'info', 'warn', 'error'].includes(wanted)) level = wanted;
        } catch (e) {
          // Storage refused (private mode): the default.
        }
        lk.setLogLevel(level);
        return lk;
      })
      .catch(() => {
        livekitModule = null;
        throw videoError(ErrorKind.Failed, 'The video component could not be loaded.');
      });
  }
  return livekitModule;
}

// ---------------------------------------------------------------------------
// Base64url

function base64url(bytes) {
  const view = new Uint8Array(bytes);
  let binary = '';
  for (let i = 0; i < view.length; i += 1) binary += String.fromCharCode(view[i]);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// ---------------------------------------------------------------------------
// Device key
//
// Format, for the server (Rust `p256` crate, features "ecdsa" and "pkcs8"):
// - `devicePublicKey()` returns base64url without padding (RFC 4648 §5) of
//   the public key as DER SubjectPublicKeyInfo (id-ecPublicKey, prime256v1,
//   uncompressed point; 91 bytes, 122 characters). Parse it with
//   `p256::ecdsa::VerifyingKey::from_public_key_der(&bytes)`
//   (`p256::pkcs8::DecodePublicKey`).
// - `signChallenge(challenge)` signs the UTF-8 bytes of `challenge` with
//   ECDSA P-256 / SHA-256 (the browser hashes) and returns base64url without
//   padding of WebCrypto's IEEE P1363 signature: r || s, 32 bytes each,
//   big-endian, 64 bytes in all (86 characters). NOT DER. Parse it with
//   `p256::ecdsa::Signature::from_slice(&bytes)` and check it with
//   `signature::Verifier::verify(&key, challenge.as_bytes(), &sig)`. WebCrypto
//   does not normalise s to the low half, so do not require low-s.
// The private key is non-extractable: it never leaves this browser profile.
// Clearing site data, or another browser profile, means a new key.

const DB_NAME = 'caucus-device';
const STORE = 'keys';
const KEY_ID = 'device';

function requestResult(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function openDeviceDb() {
  if (typeof indexedDB === 'undefined') {
    return Promise.reject(videoError(ErrorKind.Unsupported, 'This browser cannot store a device key.'));
  }
  const request = indexedDB.open(DB_NAME, 1);
  request.onupgradeneeded = () => {
    if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE);
  };
  return requestResult(request).catch(() => {
    throw videoError(ErrorKind.Unsupported, 'This browser cannot store a device key.');
  });
}

function isKeyPair(value) {
  return value && value.privateKey instanceof CryptoKey && value.publicKey instanceof CryptoKey;
}

let deviceKeyPair = null;

async function loadOrCreateKeyPair() {
  if (!globalThis.crypto || !crypto.subtle) {
    throw videoError(ErrorKind.Unsupported, 'This browser cannot create a device key.');
  }
  const db = await openDeviceDb();
  try {
    const existing = await requestResult(db.transaction(STORE, 'readonly').objectStore(STORE).get(KEY_ID));
    if (isKeyPair(existing)) return existing;
    const fresh = await crypto.subtle.generateKey(
      { name: 'ECDSA', namedCurve: 'P-256' },
      false, // non-extractable private key
      ['sign', 'verify'],
    );
    // Another tab may have stored one meanwhile: keep whichever is there first
    // (read-write transactions on one store run one at a time).
    const store = db.transaction(STORE, 'readwrite').objectStore(STORE);
    const raced = await requestResult(store.get(KEY_ID));
    if (isKeyPair(raced)) return raced;
    await requestResult(store.put(fresh, KEY_ID));
    return fresh;
  } finally {
    db.close();
  }
}

async function keyPair() {
  if (!deviceKeyPair) {
    deviceKeyPair = loadOrCreateKeyPair().catch((error) => {
      deviceKeyPair = null;
      if (Object.values(ErrorKind).includes(error && error.name)) throw error;
      throw videoError(ErrorKind.Failed, 'The device key could not be created.');
    });
  }
  return deviceKeyPair;
}

export async function devicePublicKey() {
  const pair = await keyPair();
  return base64url(await crypto.subtle.exportKey('spki', pair.publicKey));
}

export async function signChallenge(challenge) {
  const pair = await keyPair();
  try {
    const signature = await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      pair.privateKey,
      new TextEncoder().encode(String(challenge)),
    );
    return base64url(signature);
  } catch {
    throw videoError(ErrorKind.Failed, 'The device key could not sign.');
  }
}

// ---------------------------------------------------------------------------
// Lobby: devices, preview, test tone, connection check

function mediaError(error) {
  switch (error && error.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return videoError(ErrorKind.PermissionDenied, 'Camera and microphone access was refused.');
    case 'NotFoundError':
    case 'OverconstrainedError':
      return videoError(ErrorKind.DeviceNotFound, 'The chosen camera or microphone was not found.');
    case 'NotReadableError':
    case 'AbortError':
      return videoError(ErrorKind.DeviceInUse, 'The camera or microphone could not be started. Another app may be using it.');
    default:
      if (Object.values(ErrorKind).includes(error && error.name)) return error;
      return videoError(ErrorKind.Failed, 'The camera or microphone could not be used.');
  }
}

function requireMediaDevices() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    throw videoError(ErrorKind.Unsupported, 'This browser cannot use a camera or microphone here.');
  }
}

function stopStream(stream) {
  if (stream) stream.getTracks().forEach((track) => track.stop());
}

const DEVICE_KINDS = ['videoinput', 'audioinput', 'audiooutput'];

async function enumerate() {
  const all = await navigator.mediaDevices.enumerateDevices();
  return all
    .filter((d) => DEVICE_KINDS.includes(d.kind))
    .map((d) => ({ kind: d.kind, deviceId: d.deviceId, label: d.label }));
}

// Gets a stream with whatever of camera and microphone can be had; throws the
// first error when neither can.
async function getAnyMedia(video, audio) {
  try {
    return await navigator.mediaDevices.getUserMedia({ video, audio });
  } catch (first) {
    if (first && (first.name === 'NotAllowedError' || first.name === 'SecurityError')) throw mediaError(first);
    for (const constraints of [{ audio }, { video }]) {
      try {
        return await navigator.mediaDevices.getUserMedia(constraints);
      } catch {
        // try the next one
      }
    }
    throw mediaError(first);
  }
}

export async function listDevices() {
  requireMediaDevices();
  let devices = await enumerate();
  if (devices.some((d) => d.label === '' && d.kind !== 'audiooutput')) {
    // Names (and real ids) come only after permission: ask once, list again.
    // A refusal is an error; a missing or busy device is not (the list says).
    try {
      stopStream(await getAnyMedia(true, true));
    } catch (error) {
      if (error.name === ErrorKind.PermissionDenied) throw error;
    }
    devices = await enumerate();
  }
  return devices.filter((d) => d.deviceId !== '');
}

function deviceConstraint(id) {
  return id ? { deviceId: { exact: id } } : true;
}

function audioContext() {
  const Context = globalThis.AudioContext || globalThis.webkitAudioContext;
  if (!Context) throw videoError(ErrorKind.Unsupported, 'This browser cannot play or measure sound.');
  return new Context();
}

// `signal` (an AbortSignal, optional): aborting it closes the devices again
// (the Rust future was dropped before it took the handle).
export async function startPreview(videoElement, cameraId, micId, signal) {
  requireMediaDevices();
  const stream = await getAnyMedia(deviceConstraint(cameraId), deviceConstraint(micId));
  if (signal && signal.aborted) {
    stopStream(stream);
    throw videoError(ErrorKind.Failed, 'The preview was cancelled.');
  }
  let context = null;
  let analyser = null;
  let samples = null;
  if (stream.getAudioTracks().length > 0) {
    try {
      context = audioContext();
      const source = context.createMediaStreamSource(stream);
      analyser = context.createAnalyser();
      analyser.fftSize = 1024;
      samples = new Float32Array(analyser.fftSize);
      source.connect(analyser); // not to the destination: no echo
      context.resume().catch(() => {});
    } catch {
      context = null;
      analyser = null;
    }
  }
  if (videoElement) {
    videoElement.muted = true;
    videoElement.playsInline = true;
    videoElement.autoplay = true;
    videoElement.srcObject = stream;
    videoElement.play().catch(() => {});
  }
  let stopped = false;
  const handle = {
    hasVideo: stream.getVideoTracks().length > 0,
    hasAudio: stream.getAudioTracks().length > 0,
    // RMS of the latest ~20 ms of microphone signal, 0..1 (speech is
    // typically 0.02..0.3; scale it for display).
    micLevel() {
      if (stopped || !analyser) return 0;
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (let i = 0; i < samples.length; i += 1) sum += samples[i] * samples[i];
      return Math.min(1, Math.sqrt(sum / samples.length));
    },
    stop() {
      if (stopped) return;
      stopped = true;
      stopStream(stream);
      if (context) context.close().catch(() => {});
      if (videoElement && videoElement.srcObject === stream) videoElement.srcObject = null;
    },
  };
  // Rust may drop its future after this resolved, before it took the handle.
  if (signal) signal.addEventListener('abort', () => handle.stop(), { once: true });
  return handle;
}

export async function playTestSound(speakerId) {
  const context = audioContext();
  try {
    let output = context.destination;
    let element = null;
    if (speakerId) {
      if (typeof context.setSinkId === 'function') {
        await context.setSinkId(speakerId);
      } else if (typeof HTMLMediaElement.prototype.setSinkId === 'function') {
        const sink = context.createMediaStreamDestination();
        element = new Audio();
        element.srcObject = sink.stream;
        await element.setSinkId(speakerId);
        await element.play();
        output = sink;
      }
      // Otherwise the browser cannot choose: play on the default output.
    }
    await context.resume();
    // A short two-note chime (E5 then A5), soft attack and decay.
    const start = context.currentTime + 0.05;
    for (const [frequency, offset] of [[659.25, 0], [880, 0.18]]) {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.type = 'sine';
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.25, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.42);
      oscillator.connect(gain).connect(output);
      oscillator.start(start + offset);
      oscillator.stop(start + offset + 0.45);
    }
    await new Promise((resolve) => setTimeout(resolve, 700));
    if (element) {
      element.pause();
      element.srcObject = null;
    }
  } catch (error) {
    if (error && error.name === 'NotFoundError') {
      throw videoError(ErrorKind.DeviceNotFound, 'The chosen speaker was not found.');
    }
    if (error && error.name === 'NotAllowedError') {
      throw videoError(ErrorKind.PermissionDenied, 'The browser did not allow playing sound.');
    }
    throw videoError(ErrorKind.Failed, 'The test sound could not be played.');
  } finally {
    context.close().catch(() => {});
  }
}

// Whether the LiveKit server answers over HTTP(S) (it says `OK` at `/`) and
// the LiveKit client loads: the check loads it while the person is still in
// the lobby, so pressing Enter does not wait for it. Resolves `{ok, millis}`
// (the server's round trip) and, when not ok, `reason`: 'timeout' |
// 'unreachable' | 'status' | 'component'.
export async function connectionCheck(livekitUrl) {
  let url;
  try {
    url = new URL(String(livekitUrl));
  } catch {
    throw videoError(ErrorKind.Failed, 'The video server address is not valid.');
  }
  // The bundle comes from this origin, which served the page; 20 s is generous.
  const loaded = Promise.race([
    livekit().then(() => true, () => false),
    new Promise((resolve) => setTimeout(() => resolve(false), 20000)),
  ]);
  const answer = await serverCheck(url);
  if (answer.ok && !(await loaded)) return { ok: false, millis: answer.millis, reason: 'component' };
  return answer;
}

async function serverCheck(url) {
  if (url.protocol === 'ws:') url.protocol = 'http:';
  else if (url.protocol === 'wss:') url.protocol = 'https:';
  url.pathname = '/';
  url.search = '';
  url.hash = '';
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 5000);
  const started = performance.now();
  try {
    const response = await fetch(url.href, {
      cache: 'no-store',
      credentials: 'omit',
      redirect: 'error',
      referrerPolicy: 'no-referrer',
      signal: controller.signal,
    });
    const millis = Math.round(performance.now() - started);
    return response.ok ? { ok: true, millis } : { ok: false, millis, reason: 'status' };
  } catch {
    const millis = Math.round(performance.now() - started);
    return { ok: false, millis, reason: controller.signal.aborted ? 'timeout' : 'unreachable' };
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------
// Call

function connectError(lk, error) {
  if (error instanceof lk.ConnectionError) {
    switch (error.reason) {
      case lk.ConnectionErrorReason.NotAllowed:
        return videoError(ErrorKind.NotAllowed, 'The video server did not let you join. Your invitation may have expired.');
      case lk.ConnectionErrorReason.Timeout:
        return videoError(ErrorKind.Timeout, 'Connecting to the video server took too long.');
      case lk.ConnectionErrorReason.Cancelled:
        return videoError(ErrorKind.Failed, 'Connecting was cancelled.');
      case lk.ConnectionErrorReason.LeaveRequest:
        return videoError(ErrorKind.NotAllowed, 'The video server ended the session.');
      case lk.ConnectionErrorReason.ServerUnreachable:
      case lk.ConnectionErrorReason.WebSocket:
      case lk.ConnectionErrorReason.ServiceNotFound:
        return videoError(ErrorKind.ServerUnreachable, 'The video server could not be reached.');
      default:
        break;
    }
  }
  return videoError(ErrorKind.Failed, 'Could not connect to the video session.');
}

function participantName(participant) {
  return participant.name || participant.identity;
}

class Call {
  constructor(lk, room, grid, onEvent, labels) {
    this.lk = lk;
    this.room = room;
    this.grid = grid;
    this.onEvent = typeof onEvent === 'function' ? onEvent : () => {};
    this.labels = {
      cameraOff: (labels && labels.cameraOff) || 'Camera off',
      screen: (labels && labels.screen) || '{name} (screen)',
    };
    this.tiles = new Map(); // tile key -> {figure, video, caption, placeholder, track}
    this.audio = new Map(); // track sid -> {element, track}
    this.speaking = new Set();
    this.selfMuting = new Set(); // sources we are muting ourselves
    this.audioOnly = false;
    this.lastParticipants = '';
    this.closed = false;
    // Resolves when the call closes (dropped or released): what waits on
    // LiveKit while connecting stops waiting then.
    this.whenClosed = new Promise((resolve) => {
      this.markClosed = resolve;
    });
    this.renderQueued = false;
  }

  emit(event) {
    if (this.closed && event.type !== 'disconnected') return;
    try {
      this.onEvent(JSON.stringify(event));
    } catch (error) {
      // The Rust side was dropped or failed; never let that break LiveKit.
      console.warn('caucus video: event handler failed', error && error.name);
    }
  }

  listen() {
    const { RoomEvent } = this.lk;
    const room = this.room;
    const changed = () => this.scheduleRender();
    for (const name of [
      RoomEvent.ParticipantConnected,
      RoomEvent.ParticipantDisconnected,
      RoomEvent.ParticipantNameChanged,
      RoomEvent.TrackPublished,
      RoomEvent.TrackUnpublished,
      RoomEvent.TrackSubscribed,
      RoomEvent.TrackUnsubscribed,
      RoomEvent.TrackUnmuted,
      RoomEvent.LocalTrackPublished,
      RoomEvent.LocalTrackUnpublished,
      RoomEvent.TrackStreamStateChanged,
    ]) {
      room.on(name, changed);
    }
    // Audio only: remote video is not received (camera tracks; a shared
    // screen still comes, it is usually the evidence being discussed).
    room.on(RoomEvent.TrackSubscribed, (track, publication) => {
      if (this.audioOnly && this.isCameraVideo(publication)) publication.setSubscribed(false);
    });
    room.on(RoomEvent.TrackMuted, (publication, participant) => {
      if (participant && participant.isLocal && !this.selfMuting.has(publication.source)) {
        const source = publication.source === this.lk.Track.Source.Camera ? 'camera'
          : publication.source === this.lk.Track.Source.Microphone ? 'microphone' : null;
        if (source) this.emit({ type: 'localMuted', source });
      }
      changed();
    });
    room.on(RoomEvent.ActiveSpeakersChanged, (speakers) => {
      this.speaking = new Set(speakers.map((p) => p.identity));
      changed();
    });
    room.on(RoomEvent.Reconnecting, () => this.emit({ type: 'reconnecting' }));
    room.on(RoomEvent.Reconnected, () => {
      this.emit({ type: 'reconnected' });
      changed();
    });
    room.on(RoomEvent.ConnectionQualityChanged, (quality, participant) => {
      if (participant && participant.isLocal && quality !== 'unknown') {
        this.emit({ type: 'quality', quality });
      }
    });
    room.on(RoomEvent.AudioPlaybackStatusChanged, () => {
      this.emit({ type: 'audioPlayback', canPlay: room.canPlaybackAudio });
    });
    room.on(RoomEvent.MediaDevicesError, (error) => {
      this.emit({ type: 'error', message: mediaError(error).message });
    });
    room.on(RoomEvent.Disconnected, (reason) => {
      const name = reason === undefined ? 'UNKNOWN_REASON' : (this.lk.DisconnectReason[reason] || 'UNKNOWN_REASON');
      // Identifiers only (LiveKit's random room name and connection id), to
      // match a drop with the server's log.
      console.info(`call ${room.localParticipant?.sid || '-'} in room ${room.name || '-'} ended: ${name}`);
      this.teardown();
      this.emit({ type: 'disconnected', reason: name });
      this.closed = true;
      this.markClosed();
      this.onEvent = () => {};
    });
  }

  scheduleRender() {
    if (this.renderQueued || this.closed) return;
    this.renderQueued = true;
    queueMicrotask(() => {
      this.renderQueued = false;
      if (!this.closed) this.render();
    });
  }

  participants() {
    return [this.room.localParticipant, ...this.room.remoteParticipants.values()];
  }

  render() {
    const { Track } = this.lk;
    const seenTiles = new Set();
    const seenAudio = new Set();
    const views = [];
    for (const participant of this.participants()) {
      const camera = participant.getTrackPublication(Track.Source.Camera);
      const mic = participant.getTrackPublication(Track.Source.Microphone);
      const screen = participant.getTrackPublication(Track.Source.ScreenShare);
      const micOn = Boolean(mic && mic.track && !mic.isMuted);
      const cameraOn = Boolean(camera && camera.track && !camera.isMuted);
      const screenOn = Boolean(screen && screen.track && !screen.isMuted);
      const speaking = this.speaking.has(participant.identity);
      views.push({
        identity: participant.identity,
        name: participantName(participant),
        isLocal: participant.isLocal,
        micOn,
        cameraOn,
        speaking,
        screenSharing: screenOn,
      });

      const key = `camera:${participant.identity}`;
      seenTiles.add(key);
      this.updateTile(key, participant, cameraOn ? camera.track : null, {
        screen: false,
        micOn,
        speaking,
      });
      if (screenOn) {
        const screenKey = `screen:${participant.identity}`;
        seenTiles.add(screenKey);
        this.updateTile(screenKey, participant, screen.track, { screen: true, micOn, speaking: false });
      }

      if (!participant.isLocal) {
        for (const publication of participant.audioTrackPublications.values()) {
          const track = publication.track;
          if (!track || !publication.isSubscribed) continue;
          seenAudio.add(track.sid);
          if (!this.audio.has(track.sid)) {
            const element = document.createElement('audio');
            element.hidden = true;
            element.autoplay = true;
            element.dataset.identity = participant.identity;
            this.grid.appendChild(element);
            track.attach(element);
            this.audio.set(track.sid, { element, track });
          }
        }
      }
    }
    for (const [key, tile] of this.tiles) {
      if (!seenTiles.has(key)) {
        if (tile.track) tile.track.detach(tile.video);
        tile.figure.remove();
        this.tiles.delete(key);
      }
    }
    for (const [sid, entry] of this.audio) {
      if (!seenAudio.has(sid)) {
        entry.track.detach(entry.element);
        entry.element.remove();
        this.audio.delete(sid);
      }
    }
    const json = JSON.stringify(views);
    if (json !== this.lastParticipants) {
      this.lastParticipants = json;
      this.emit({ type: 'participants', participants: views });
    }
  }

  updateTile(key, participant, track, { screen, micOn, speaking }) {
    let tile = this.tiles.get(key);
    if (!tile) {
      const figure = document.createElement('figure');
      figure.className = 'video-tile';
      figure.dataset.identity = participant.identity;
      if (screen) figure.dataset.source = 'screen';
      if (participant.isLocal) figure.dataset.local = 'true';
      const video = document.createElement('video');
      video.autoplay = true;
      video.playsInline = true;
      video.setAttribute('playsinline', '');
      if (participant.isLocal) {
        video.muted = true;
        if (!screen) video.style.transform = 'scaleX(-1)'; // a mirror, as people expect
      }
      const placeholder = document.createElement('p');
      placeholder.className = 'video-tile-off';
      placeholder.textContent = this.labels.cameraOff;
      const caption = document.createElement('figcaption');
      figure.append(video, placeholder, caption);
      this.grid.appendChild(figure);
      tile = { figure, video, caption, placeholder, track: null };
      this.tiles.set(key, tile);
    }
    const name = participantName(participant);
    const label = screen ? this.labels.screen.replace('{name}', name) : name;
    if (tile.caption.textContent !== label) tile.caption.textContent = label;
    if (tile.track !== track) {
      if (tile.track) tile.track.detach(tile.video);
      if (track) track.attach(tile.video);
      tile.track = track;
    }
    const cameraOff = !track;
    tile.placeholder.hidden = !cameraOff || screen;
    tile.video.hidden = cameraOff;
    if (cameraOff) tile.figure.dataset.camera = 'off';
    else delete tile.figure.dataset.camera;
    if (!screen && !micOn) tile.figure.dataset.mic = 'off';
    else delete tile.figure.dataset.mic;
    tile.figure.classList.toggle('speaking', speaking);
  }

  teardown() {
    for (const tile of this.tiles.values()) {
      if (tile.track) tile.track.detach(tile.video);
      tile.figure.remove();
    }
    this.tiles.clear();
    for (const entry of this.audio.values()) {
      entry.track.detach(entry.element);
      entry.element.remove();
    }
    this.audio.clear();
    if (globalThis.__caucusCall === this) globalThis.__caucusCall = undefined;
  }

  async selfMute(source, action) {
    this.selfMuting.add(source);
    try {
      return await action();
    } finally {
      this.selfMuting.delete(source);
    }
  }

  async setMicrophone(on) {
    try {
      await this.selfMute(this.lk.Track.Source.Microphone, () => this.room.localParticipant.setMicrophoneEnabled(Boolean(on)));
    } catch (error) {
      throw mediaError(error);
    } finally {
      this.scheduleRender();
    }
  }

  async setCamera(on) {
    try {
      await this.selfMute(this.lk.Track.Source.Camera, () => this.room.localParticipant.setCameraEnabled(Boolean(on)));
    } catch (error) {
      throw mediaError(error);
    } finally {
      this.scheduleRender();
    }
  }

  isCameraVideo(publication) {
    const { Track } = this.lk;
    return publication.kind === Track.Kind.Video && publication.source !== Track.Source.ScreenShare;
  }

  // Audio only, for a weak connection: our camera off, others' cameras not
  // received. Off again: their video comes back (ours stays off until turned on).
  async setAudioOnly(on) {
    this.audioOnly = Boolean(on);
    if (this.audioOnly) await this.setCamera(false);
    for (const participant of this.room.remoteParticipants.values()) {
      for (const publication of participant.trackPublications.values()) {
        if (this.isCameraVideo(publication)) publication.setSubscribed(!this.audioOnly);
      }
    }
    this.scheduleRender();
  }

  async switchDevice(kind, deviceId) {
    if (!DEVICE_KINDS.includes(kind)) throw videoError(ErrorKind.Failed, 'Unknown kind of device.');
    let switched;
    try {
      switched = await this.room.switchActiveDevice(kind, String(deviceId));
    } catch (error) {
      throw mediaError(error);
    }
    if (switched === false) throw videoError(ErrorKind.DeviceNotFound, 'The device could not be switched.');
  }

  async shareScreen(on) {
    try {
      await this.room.localParticipant.setScreenShareEnabled(Boolean(on), { audio: false });
    } catch (error) {
      if (error && error.name === 'NotAllowedError') {
        throw videoError(ErrorKind.PermissionDenied, 'Screen sharing was cancelled or refused.');
      }
      throw videoError(ErrorKind.Failed, 'The screen could not be shared.');
    } finally {
      this.scheduleRender();
    }
  }

  // Starts remote audio after a click when the browser blocked autoplay
  // (see the `audioPlayback` event).
  async startAudio() {
    try {
      await this.room.startAudio();
    } catch {
      throw videoError(ErrorKind.PermissionDenied, 'The browser did not allow playing sound.');
    }
  }

  async disconnect() {
    await this.room.disconnect();
  }

  // For Rust's Drop: stop reporting at once, then leave.
  release() {
    this.closed = true;
    this.markClosed();
    this.onEvent = () => {};
    this.teardown();
    this.room.disconnect().catch(() => {});
  }

  // Sums of the inbound RTP statistics of every subscribed remote track.
  // remoteAudioMuted / remoteCameraMuted: identity -> true when that
  // participant's microphone / camera is muted or not published;
  // remoteScreenTracks: subscribed shared screens (also counted in
  // remoteVideoTracks). localMicrophone / localCamera: the device our
  // published track captures from (null when none); localScreen: whether we
  // share our screen.
  async stats() {
    const { Track } = this.lk;
    const local = this.room.localParticipant;
    const deviceOf = (source) => {
      const publication = local.getTrackPublication(source);
      const track = publication && publication.track && publication.track.mediaStreamTrack;
      return (track && track.getSettings().deviceId) || null;
    };
    const screen = local.getTrackPublication(Track.Source.ScreenShare);
    const result = {
      inboundAudioBytes: 0,
      inboundVideoBytes: 0,
      framesDecoded: 0,
      remoteVideoTracks: 0,
      remoteAudioTracks: 0,
      remoteScreenTracks: 0,
      remoteAudioMuted: {},
      remoteCameraMuted: {},
      localMicrophone: deviceOf(Track.Source.Microphone),
      localCamera: deviceOf(Track.Source.Camera),
      localScreen: Boolean(screen && screen.track && !screen.isMuted),
      packetsReceived: 0,
      packetsLost: 0,
      jitterMs: 0,
      roundTripMs: 0,
    };
    const reports = [];
    for (const participant of this.room.remoteParticipants.values()) {
      const mic = participant.getTrackPublication(Track.Source.Microphone);
      result.remoteAudioMuted[participant.identity] = !mic || mic.isMuted;
      const camera = participant.getTrackPublication(Track.Source.Camera);
      result.remoteCameraMuted[participant.identity] = !camera || camera.isMuted;
      for (const publication of participant.trackPublications.values()) {
        const track = publication.track;
        if (!track || !publication.isSubscribed) continue;
        if (track.kind === Track.Kind.Video) result.remoteVideoTracks += 1;
        if (publication.source === Track.Source.ScreenShare) result.remoteScreenTracks += 1;
        else if (track.kind === Track.Kind.Audio) result.remoteAudioTracks += 1;
        reports.push(track.getRTCStatsReport().catch(() => undefined));
      }
    }
    for (const report of await Promise.all(reports)) {
      if (!report) continue;
      report.forEach((entry) => {
        if (entry.type === 'candidate-pair' && entry.state === 'succeeded' && entry.currentRoundTripTime !== undefined) {
          result.roundTripMs = Math.max(result.roundTripMs, Math.round(entry.currentRoundTripTime * 1000));
        }
        if (entry.type !== 'inbound-rtp') return;
        result.packetsReceived += entry.packetsReceived || 0;
        result.packetsLost += Math.max(0, entry.packetsLost || 0);
        if (entry.jitter !== undefined) result.jitterMs = Math.max(result.jitterMs, entry.jitter * 1000);
        if (entry.kind === 'audio') result.inboundAudioBytes += entry.bytesReceived || 0;
        if (entry.kind === 'video') {
          result.inboundVideoBytes += entry.bytesReceived || 0;
          result.framesDecoded += entry.framesDecoded || 0;
        }
      });
    }
    return result;
  }
}

// options: {cameraId, micId, speakerId, publish, grid, onEvent, labels,
// signal}. labels: {cameraOff, screen} (screen: a caption with `{name}`).
// signal (an AbortSignal, optional): aborting it leaves the room again (the
// Rust future was dropped before it took the Call), so nothing stays connected.
export async function connect(url, token, options) {
  const opts = options || {};
  const signal = opts.signal;
  if (!(opts.grid instanceof HTMLElement)) throw videoError(ErrorKind.Failed, 'No place to show the video.');
  const lk = await livekit();
  if (!lk.isBrowserSupported()) {
    throw videoError(ErrorKind.Unsupported, 'This browser cannot take part in video sessions.');
  }
  if (signal && signal.aborted) throw videoError(ErrorKind.Failed, 'Connecting was cancelled.');
  const room = new lk.Room({
    adaptiveStream: true,
    dynacast: true,
    videoCaptureDefaults: opts.cameraId ? { deviceId: opts.cameraId } : undefined,
    audioCaptureDefaults: opts.micId ? { deviceId: opts.micId } : undefined,
    audioOutput: opts.speakerId ? { deviceId: opts.speakerId } : undefined,
  });
  const call = new Call(lk, room, opts.grid, opts.onEvent, opts.labels);
  // Kept for good: Rust may drop its future even after this resolved, before
  // it took the result. Once Rust holds the Call it never aborts the signal.
  if (signal) signal.addEventListener('abort', () => call.release(), { once: true });
  call.listen();
  // The server can end the call while it connects (a move's removal from
  // the room it is entering): LiveKit then closes the room but its connect
  // waits for the peer connection until its own timeout (15 s), so the
  // close ends the wait here.
  const connecting = room.connect(String(url), String(token));
  connecting.catch(() => {});
  try {
    await Promise.race([connecting, call.whenClosed]);
  } catch (error) {
    call.release();
    throw connectError(lk, error);
  }
  if (call.closed) {
    call.release();
    throw videoError(ErrorKind.Failed, 'Connecting was cancelled.');
  }
  // For browser tests and benchmarks: `await window.__caucusCall.stats()`.
  // Set once connected: the others' video shows while ours is published.
  globalThis.__caucusCall = call;
  call.render();
  if (opts.publish) {
    // A call that drops while publishing stops waiting at once: LiveKit
    // would wait for the closed publisher connection until its own timeout
    // (15 s), and the page would only then enter again.
    const results = await Promise.race([
      Promise.allSettled([
        room.localParticipant.setCameraEnabled(true, opts.cameraId ? { deviceId: opts.cameraId } : undefined),
        room.localParticipant.setMicrophoneEnabled(true, opts.micId ? { deviceId: opts.micId } : undefined),
      ]),
      call.whenClosed.then(() => []),
    ]);
    if (call.closed) throw videoError(ErrorKind.Failed, 'Connecting was cancelled.');
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) call.emit({ type: 'error', message: mediaError(failed.reason).message });
    call.scheduleRender();
  }
  if (!room.canPlaybackAudio) call.emit({ type: 'audioPlayback', canPlay: false });
  return call;
}
