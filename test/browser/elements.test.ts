import 'axe-core';
import { expect } from '@esm-bundle/chai';
import '../../components/index.js';
import { ChromaKeyRenderer, createChromaKey, WorkerChromaKeyRenderer } from '../../components/chroma-key.js';
import {
  type AvatarCaptionsElement,
  type AvatarCreditMeterElement,
  AvatarErrorEvent,
  AvatarSpeechTextEvent,
  AvatarUserSpeechEvent,
  type StreamingAvatarElement,
} from '../../components/index.js';
import { type AvatarMessages, english } from '../../components/localize/messages.js';
import { german } from '../../components/translations/de.js';
import { AuthenticationError } from '../../src/index.js';
import { FakeProvider } from '../unit/fakes/session-parts.js';
import { CanvasTransport, fakeBackend } from './fakes.js';

declare const axe: { run(context: Element): Promise<{ violations: { id: string; help: string }[] }> };

async function expectAccessible(element: Element) {
  const { violations } = await axe.run(element);
  expect(violations.map((violation) => `${violation.id}: ${violation.help}`)).to.deep.equal([]);
}

function mount(html: string): HTMLElement {
  const host = document.createElement('div');
  host.innerHTML = html;
  document.body.append(host);
  return host;
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));
const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

/**
 * A playing 320×180 video: black for its first 15 frames (as a decoder's are before the first
 * keyframe), then a chroma-green backdrop with a face-coloured square and a green-tinged strip.
 */
async function backdropVideo({ blackUntilShown = false } = {}) {
  const source = document.createElement('canvas');
  source.width = 320;
  source.height = 180;
  const context = source.getContext('2d')!;
  let frames = 0;
  let backdropShown = !blackUntilShown;
  const draw = () => {
    frames += 1;
    context.fillStyle = frames < 15 || !backdropShown ? 'black' : 'rgb(0, 177, 64)';
    context.fillRect(0, 0, 320, 180);
    context.fillStyle = 'rgb(236, 188, 150)';
    context.fillRect(130, 60, 60, 60);
    context.fillStyle = 'rgb(150, 200, 120)';
    context.fillRect(20, 90, 60, 20);
  };
  draw();
  const timer = setInterval(draw, 20);
  const video = document.createElement('video');
  video.muted = true;
  video.srcObject = source.captureStream(50);
  document.body.append(video);
  await video.play();
  return {
    video,
    /** From the next frame on, the backdrop shows (with `blackUntilShown`). */
    showBackdrop: () => {
      backdropShown = true;
    },
    stop: () => clearInterval(timer),
  };
}

/** Resolves once `video` has presented `count` more frames. */
async function presentedFrames(video: HTMLVideoElement, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => video.requestVideoFrameCallback(resolve));
}

/** The RGBA pixels of a (possibly worker-drawn) canvas, as the page sees them. */
function pixels(canvas: HTMLCanvasElement): Uint8ClampedArray {
  const copy = document.createElement('canvas');
  copy.width = canvas.width;
  copy.height = canvas.height;
  const context = copy.getContext('2d')!;
  context.drawImage(canvas, 0, 0);
  return context.getImageData(0, 0, copy.width, copy.height).data;
}

/** Waits until `canvas` shows a keyed 320×180 frame: the backdrop transparent, the face opaque. */
async function keyedPixels(canvas: HTMLCanvasElement) {
  const alphaAt = (data: Uint8ClampedArray, x: number, y: number) => data[(y * 320 + x) * 4 + 3];
  await until(() => {
    if (canvas.width !== 320) return false;
    const data = pixels(canvas);
    return alphaAt(data, 5, 5) === 0 && alphaAt(data, 160, 90) === 255;
  }, 'a keyed frame');
}

function avatarIn(host: HTMLElement): StreamingAvatarElement {
  return host.querySelector('streaming-avatar')!;
}

afterEach(() => {
  for (const avatar of document.querySelectorAll('streaming-avatar')) void avatar.stop();
  document.body.replaceChildren();
});

describe('<streaming-avatar>', () => {
  it('starts idle with a labelled start button and reflected state', async () => {
    const host = mount('<streaming-avatar token-url="/token"></streaming-avatar>');
    const avatar = avatarIn(host);
    await avatar.updateComplete;
    expect(avatar.getAttribute('state')).to.equal('idle');
    const start = avatar.shadowRoot!.querySelector('[part="start"]') as HTMLButtonElement;
    expect(start.textContent).to.equal('Start avatar');
    await expectAccessible(host);
  });

  it('names the connect step while connecting, then plays the stream and fires its events in order', async () => {
    let releaseToken: (token: string) => void = () => undefined;
    const backend = fakeBackend({ token: () => new Promise((resolve) => (releaseToken = resolve)) });
    const host = mount('<streaming-avatar token-url="/token"></streaming-avatar>');
    const avatar = avatarIn(host);
    avatar.sessionOptions = backend.sessionOptions;
    const events: string[] = [];
    for (const type of ['avatar-state-change', 'avatar-ready'] as const) {
      host.addEventListener(type, (event) =>
        events.push(type === 'avatar-state-change' ? `state ${(event as { state: string }).state}` : 'ready'),
      );
    }
    const started = avatar.start();
    // The session machinery loads on the first start, so connecting begins a moment later.
    await until(() => avatar.getAttribute('state') === 'connecting', 'connecting');
    await avatar.updateComplete;
    expect(avatar.shadowRoot!.querySelector('[part="phase"]')!.textContent).to.equal(
      'Getting a session token…',
    );
    await expectAccessible(host);
    releaseToken('token');
    await started;
    await until(() => events.includes('ready'), 'the first frame');
    expect(events).to.deep.equal(['state loading', 'state connecting', 'state connected', 'ready']);
    const video = avatar.shadowRoot!.querySelector('video')!;
    expect(video.hasAttribute('playsinline')).to.equal(true);
    expect(video.srcObject).to.be.instanceOf(MediaStream);
    await expectAccessible(host);
  });

  it('starts one session however often start() is called, and none when stopped while loading', async () => {
    const backend = fakeBackend();
    const host = mount('<streaming-avatar token-url="/token"></streaming-avatar>');
    const avatar = avatarIn(host);
    avatar.sessionOptions = backend.sessionOptions;
    await Promise.all([avatar.start(), avatar.start(), avatar.start()]);
    expect(backend.created).to.equal(1);
    await avatar.stop();

    const starting = avatar.start().catch((error: { code: string }) => error.code);
    await avatar.stop();
    expect(await starting).to.equal('aborted');
    expect(backend.created).to.equal(1);
  });

  it('reflects loading as its state while the session machinery loads; state is read-only', async () => {
    const backend = fakeBackend();
    const host = mount('<streaming-avatar token-url="/token"></streaming-avatar>');
    const avatar = avatarIn(host);
    avatar.sessionOptions = backend.sessionOptions;
    const states: string[] = [];
    host.addEventListener('avatar-state-change', (event) => states.push(event.state));
    const started = avatar.start();
    expect(avatar.state).to.equal('loading');
    await avatar.updateComplete;
    expect(avatar.getAttribute('state')).to.equal('loading');
    expect(avatar.shadowRoot!.querySelector('[part="phase"]')!.textContent).to.equal('Loading…');
    await started;
    expect(states).to.deep.equal(['loading', 'connecting', 'connected']);
    expect(() => Object.assign(avatar, { state: 'closed' })).to.throw(TypeError);
  });

  it('start() while reconnecting keeps the session: no second session is created', async () => {
    const backend = fakeBackend();
    const host = mount('<streaming-avatar token-url="/token"></streaming-avatar>');
    const avatar = avatarIn(host);
    avatar.sessionOptions = backend.sessionOptions;
    await avatar.start();
    backend.transport.emit('reconnecting');
    expect(avatar.state).to.equal('reconnecting');
    await avatar.start();
    expect(backend.created).to.equal(1);
    expect(backend.provider.count('stop')).to.equal(0);
  });

  it('reflects the connection grade as connection-quality and shows it in a part', async () => {
    const backend = fakeBackend();
    const host = mount('<streaming-avatar token-url="/token"></streaming-avatar>');
    const avatar = avatarIn(host);
    avatar.sessionOptions = backend.sessionOptions;
    await avatar.start();
    backend.transport.emit('connection', {
      quality: 'excellent',
      framesPerSecond: 25,
      packetLossFraction: 0,
    });
    await avatar.updateComplete;
    expect(avatar.getAttribute('connection-quality')).to.equal('excellent');
    backend.transport.emit('connection', { quality: 'poor', framesPerSecond: 9, packetLossFraction: 0.25 });
    await avatar.updateComplete;
    expect(avatar.connectionQuality).to.equal('poor');
    const part = avatar.shadowRoot!.querySelector('[part="connection-quality"]') as HTMLElement;
    expect(part.textContent).to.equal('poor');
    expect(part.title).to.equal('Connection poor, 9 fps, 25.0 % packets lost');
    await expectAccessible(host);
    await avatar.stop();
    expect(avatar.hasAttribute('connection-quality')).to.equal(false);
  });

  it('a missing token-url is a configuration error', async () => {
    const host = mount('<streaming-avatar></streaming-avatar>');
    const error = await avatarIn(host)
      .start()
      .catch((caught: { code: string }) => caught.code);
    expect(error).to.equal('configuration');
  });

  it('shows a readable error with a retry button and fires avatar-error', async () => {
    const failure = new AuthenticationError('The session token was rejected.', { status: 401 });
    const backend = fakeBackend({ failStart: failure });
    const host = mount('<streaming-avatar token-url="/token"></streaming-avatar>');
    const avatar = avatarIn(host);
    avatar.sessionOptions = backend.sessionOptions;
    let fired: AvatarErrorEvent | undefined;
    host.addEventListener('avatar-error', (event) => (fired = event));
    const error = await avatar.start().catch((caught: unknown) => caught);
    expect(error).to.equal(failure);
    await avatar.updateComplete;
    expect(avatar.getAttribute('state')).to.equal('failed');
    expect(fired).to.be.instanceOf(AvatarErrorEvent);
    expect(fired!.error.code).to.equal('authentication');
    const alert = avatar.shadowRoot!.querySelector('[role="alert"]')!;
    expect(alert.textContent).to.contain('The session token was rejected.');
    expect(alert.querySelector('[part="retry"]')!.textContent).to.equal('Retry');
    await expectAccessible(host);
  });

  it('with provider="liveavatar", an avatar-id is refused with a readable configuration error, not ignored', async () => {
    const host = mount(
      '<streaming-avatar token-url="/token" provider="liveavatar" avatar-id="Wayne_20240711"></streaming-avatar>',
    );
    const avatar = avatarIn(host);
    const errors: string[] = [];
    host.addEventListener('avatar-error', (event) => errors.push(event.error.code));
    const failure = (await avatar.start().catch((error: unknown) => error)) as { code: string };
    expect(failure.code).to.equal('configuration');
    await avatar.updateComplete;
    expect(avatar.shadowRoot!.querySelector('[part="error-message"]')!.textContent).to.contain('avatarId');
    expect(errors).to.deep.equal(['configuration']);
    expect(avatar.state).to.equal('failed');
  });

  it('says why the session ended', async () => {
    const backend = fakeBackend();
    const host = mount('<streaming-avatar token-url="/token"></streaming-avatar>');
    const avatar = avatarIn(host);
    avatar.sessionOptions = backend.sessionOptions;
    await avatar.start();
    await avatar.avatar.stop('idle_timeout');
    await avatar.updateComplete;
    expect(avatar.getAttribute('state')).to.equal('closed');
    expect(avatar.shadowRoot!.querySelector('[part="end-reason"]')!.textContent).to.contain('inactivity');
  });

  it('renews without a visible break: the new picture fades in over the live one, no frame is dark, and a restart after the end plays afresh', async () => {
    const transports: CanvasTransport[] = [];
    const host = mount('<streaming-avatar token-url="/token"></streaming-avatar>');
    const avatar = avatarIn(host);
    avatar.sessionOptions = {
      token: async () => 'token',
      provider: () => {
        const provider = new FakeProvider();
        provider.created = { ...provider.created, sessionId: `session-${transports.length + 1}` };
        return provider;
      },
      transport: async () => {
        const transport = new CanvasTransport();
        transports.push(transport);
        return transport;
      },
      pageLifecycle: new EventTarget(),
    };
    let readies = 0;
    host.addEventListener('avatar-ready', () => (readies += 1));
    await avatar.start();
    await until(() => readies === 1, 'the first frame');
    const videos = [...avatar.shadowRoot!.querySelectorAll('video')];
    // Every frame presented by the video on top while the renewal runs: its mean luma.
    const darkest = { luma: 255, frames: 0 };
    const canvas = document.createElement('canvas');
    canvas.width = 16;
    canvas.height = 9;
    const context = canvas.getContext('2d', { willReadFrequently: true })!;
    let watching = true;
    for (const video of videos) {
      const frame = () => {
        if (!watching) return;
        video.requestVideoFrameCallback(frame);
        const onTop = video.style.zIndex === '1' || (video === videos[0] && !videos[1]!.style.zIndex);
        if (!onTop || getComputedStyle(video).opacity === '0') return;
        context.drawImage(video, 0, 0, 16, 9);
        const data = context.getImageData(0, 0, 16, 9).data;
        let sum = 0;
        for (let index = 0; index < data.length; index += 4)
          sum += 0.2126 * data[index]! + 0.7152 * data[index + 1]! + 0.0722 * data[index + 2]!;
        darkest.luma = Math.min(darkest.luma, sum / (data.length / 4));
        darkest.frames += 1;
      };
      video.requestVideoFrameCallback(frame);
    }
    await avatar.avatar.renew();
    watching = false;
    expect(avatar.avatar.sessionId).to.equal('session-2');
    const shown = videos.find((video) => video.srcObject !== null)!;
    expect(shown.srcObject).to.equal(avatar.avatar.media);
    expect(videos.filter((video) => video.srcObject !== null)).to.have.length(1);
    expect(darkest.frames).to.be.greaterThan(10);
    expect(darkest.luma).to.be.greaterThan(60);
    // A renewal is not a new first frame; a start after the end is.
    expect(readies).to.equal(1);
    await avatar.stop();
    expect(videos.every((video) => video.srcObject === null)).to.equal(true);
    await avatar.start();
    await until(() => readies === 2, 'the restarted session’s first frame');
  });

  it('with start-on="tap", a tap anywhere on it starts one session; a key does too', async () => {
    for (const use of [
      (element: HTMLElement) => element.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true })),
      (element: HTMLElement) =>
        element.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })),
    ]) {
      const backend = fakeBackend();
      const host = mount('<streaming-avatar token-url="/token" start-on="tap"></streaming-avatar>');
      const avatar = avatarIn(host);
      avatar.sessionOptions = backend.sessionOptions;
      await avatar.updateComplete;
      avatar.dispatchEvent(new KeyboardEvent('keydown', { key: 'Tab', bubbles: true }));
      expect(avatar.state).to.equal('idle');
      use(avatar);
      await until(() => avatar.state === 'connected', 'connected after a tap');
      use(avatar);
      await avatar.updateComplete;
      expect(backend.created).to.equal(1);
      await avatar.stop();
    }
  });

  it('with start-on="voice", listens on the device while idle, starts when someone speaks, and listens again after the end', async () => {
    const opened: MediaStreamTrack[] = [];
    const microphoneEnvironment = {
      isSecureContext: true,
      origin: location.origin,
      mediaDevices: {
        // A voice: a loud 220 Hz tone.
        async getUserMedia() {
          const context = new AudioContext();
          const tone = context.createOscillator();
          tone.frequency.value = 220;
          const destination = context.createMediaStreamDestination();
          tone.connect(destination);
          tone.start();
          const [track] = destination.stream.getAudioTracks();
          opened.push(track!);
          return destination.stream;
        },
      },
    };
    const backend = fakeBackend();
    const host = mount('<streaming-avatar token-url="/token" start-on="voice"></streaming-avatar>');
    const avatar = avatarIn(host);
    avatar.sessionOptions = { ...backend.sessionOptions, microphoneEnvironment };
    await until(() => avatar.state === 'connected', 'connected after the voice');
    expect(backend.created).to.equal(1);
    // The listening microphone is released: nothing of it goes to the session.
    expect(opened).to.have.length(1);
    expect(opened[0]!.readyState).to.equal('ended');
    await avatar.stop();
    await until(() => opened.length === 2, 'listening again once the session ended');
    await until(() => backend.created === 2, 'the next visitor starts the next session');
    await avatar.stop();
  });

  it('with start-on="voice", a refused microphone is shown as a typed error and not asked again', async () => {
    let asked = 0;
    const microphoneEnvironment = {
      isSecureContext: true,
      origin: location.origin,
      mediaDevices: {
        async getUserMedia(): Promise<MediaStream> {
          asked += 1;
          throw new DOMException('Permission denied', 'NotAllowedError');
        },
      },
    };
    const backend = fakeBackend();
    const host = mount('<streaming-avatar token-url="/token" start-on="voice"></streaming-avatar>');
    const avatar = avatarIn(host);
    const errors: string[] = [];
    avatar.addEventListener('avatar-error', (event) => errors.push(event.error.code));
    avatar.sessionOptions = { ...backend.sessionOptions, microphoneEnvironment };
    await until(() => errors.length > 0, 'the microphone error');
    await avatar.updateComplete;
    expect(errors).to.deep.equal(['microphone']);
    expect(avatar.shadowRoot!.querySelector('[role="alert"]')!.textContent).to.contain('Microphone');
    avatar.requestUpdate();
    await avatar.updateComplete;
    expect(asked).to.equal(1);
    expect(backend.created).to.equal(0);
  });

  it('without start-on, a tap outside the start button starts nothing', async () => {
    const backend = fakeBackend();
    const host = mount('<streaming-avatar token-url="/token"></streaming-avatar>');
    const avatar = avatarIn(host);
    avatar.sessionOptions = backend.sessionOptions;
    avatar.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true }));
    await avatar.updateComplete;
    expect(avatar.state).to.equal('idle');
    expect(backend.created).to.equal(0);
  });

  it('with end-after-inactivity, ends a session nobody uses, a tap holding it off, and says why', async () => {
    // A clock whose timers run only when the test says: the inactivity countdown is the 45 s one.
    const timers = new Map<number, { callback: () => void; delayMs: number }>();
    let next = 0;
    const clock = {
      now: () => performance.timeOrigin + performance.now(),
      setTimeout: (callback: () => void, delayMs: number) => {
        timers.set(++next, { callback, delayMs });
        return next;
      },
      clearTimeout: (handle: unknown) => void timers.delete(handle as number),
    };
    const countdowns = () => [...timers.entries()].filter(([, timer]) => timer.delayMs === 45_000);
    const backend = fakeBackend();
    const host = mount('<streaming-avatar token-url="/token" end-after-inactivity="45"></streaming-avatar>');
    const avatar = avatarIn(host);
    avatar.sessionOptions = { ...backend.sessionOptions, clock };
    await avatar.start();
    const [first] = countdowns();
    expect(countdowns()).to.have.length(1);
    avatar.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true }));
    expect(countdowns()).to.have.length(1);
    expect(countdowns()[0]![0]).to.not.equal(first![0]);
    countdowns()[0]![1].callback();
    await until(() => avatar.state === 'closed', 'closed by inactivity');
    await avatar.updateComplete;
    expect(avatar.avatar.end?.reason).to.equal('inactivity');
    expect(avatar.shadowRoot!.querySelector('[part="end-reason"]')!.textContent).to.equal(
      english.ended('inactivity'),
    );
    expect(avatar.shadowRoot!.querySelector('[part="start"]')).to.exist;
  });

  it('offers a keyboard-reachable unmute button when the browser blocks sound', async () => {
    const backend = fakeBackend();
    const host = mount('<streaming-avatar token-url="/token"></streaming-avatar>');
    const avatar = avatarIn(host);
    avatar.sessionOptions = backend.sessionOptions;
    const realPlay = HTMLMediaElement.prototype.play;
    let blocked = true;
    HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
      if (blocked && !this.muted) {
        blocked = false;
        return Promise.reject(new DOMException('autoplay blocked', 'NotAllowedError'));
      }
      return realPlay.call(this);
    };
    try {
      await avatar.start();
      await until(() => avatar.shadowRoot!.querySelector('[part="unmute"]') !== null, 'the unmute button');
      const unmute = avatar.shadowRoot!.querySelector('[part="unmute"]') as HTMLButtonElement;
      expect(avatar.shadowRoot!.querySelector('video')!.muted).to.equal(true);
      unmute.focus();
      expect(avatar.shadowRoot!.activeElement).to.equal(unmute);
      await expectAccessible(host);
      unmute.click();
      await until(() => avatar.shadowRoot!.querySelector('[part="unmute"]') === null, 'the button to go');
      expect(avatar.shadowRoot!.querySelector('video')!.muted).to.equal(false);
      expect(backend.transport.audioStarts).to.equal(1);
    } finally {
      HTMLMediaElement.prototype.play = realPlay;
    }
  });

  it('keys out the backdrop onto a transparent canvas when background="chroma-key"', async () => {
    const backend = fakeBackend();
    const host = mount('<streaming-avatar token-url="/token" background="chroma-key"></streaming-avatar>');
    const avatar = avatarIn(host);
    avatar.sessionOptions = backend.sessionOptions;
    await avatar.start();
    const canvas = () => avatar.shadowRoot!.querySelector('canvas')!;
    await until(() => canvas().width === 320, 'keyed frames');
    await nextFrame();
    const copy = document.createElement('canvas');
    copy.width = 320;
    copy.height = 180;
    const context = copy.getContext('2d')!;
    context.drawImage(canvas(), 0, 0);
    expect(context.getImageData(5, 5, 1, 1).data[3]).to.equal(0);
    expect(context.getImageData(160, 90, 1, 1).data[3]).to.equal(255);
  });

  it('keys in a worker where the browser can, falling back to the page when the worker is refused', async () => {
    const source = await backdropVideo();
    const target = document.createElement('canvas');
    const key = createChromaKey(source.video, target);
    expect(key.mode).to.equal('worker');
    key.start();
    const RealWorker = window.Worker;
    // A page whose Content-Security-Policy forbids blob: workers: the worker fails to load.
    class RefusedWorker extends EventTarget {
      constructor() {
        super();
        setTimeout(() => this.dispatchEvent(new Event('error')));
      }
      postMessage() {}
      terminate() {}
    }
    Object.defineProperty(window, 'Worker', { value: RefusedWorker, configurable: true });
    const refusedTarget = document.createElement('canvas');
    const refused = new WorkerChromaKeyRenderer(source.video, refusedTarget);
    Object.defineProperty(window, 'Worker', { value: RealWorker, configurable: true });
    refused.start();
    try {
      await keyedPixels(target);
      await keyedPixels(refusedTarget);
      expect(refused.mode).to.equal('webgl');
      const { frames } = await key.stats();
      expect(frames).to.be.greaterThan(0);
    } finally {
      key.close();
      refused.close();
      source.stop();
    }
  });

  for (const [name, make] of [
    [
      'in a worker',
      (video: HTMLVideoElement, canvas: HTMLCanvasElement) => new WorkerChromaKeyRenderer(video, canvas),
    ],
    [
      'on the page',
      (video: HTMLVideoElement, canvas: HTMLCanvasElement) => new ChromaKeyRenderer(video, canvas),
    ],
  ] as const) {
    it(`samples the key colour from a frame that shows the backdrop, not from a black first frame (${name})`, async () => {
      const source = await backdropVideo({ blackUntilShown: true });
      const target = document.createElement('canvas');
      const renderer = make(source.video, target);
      renderer.start();
      try {
        // The renderer sees black frames first: a key colour sampled from them would leave the
        // backdrop opaque, and no keyed frame would ever come.
        await presentedFrames(source.video, 30);
        source.showBackdrop();
        await keyedPixels(target);
      } finally {
        renderer.close();
        source.stop();
      }
    });
  }

  it('keys alike in the worker and on the page: the same soft edge and spill suppression', async () => {
    const source = await backdropVideo();
    const inWorker = document.createElement('canvas');
    const onPage = document.createElement('canvas');
    const renderers = [
      new WorkerChromaKeyRenderer(source.video, inWorker),
      new ChromaKeyRenderer(source.video, onPage),
    ];
    for (const renderer of renderers) renderer.start();
    try {
      await keyedPixels(inWorker);
      await keyedPixels(onPage);
      const [a, b] = [pixels(inWorker), pixels(onPage)];
      let largest = 0;
      for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i]! - b[i]!));
      expect(largest).to.be.at.most(2);
      // The green-tinged strip keeps its pixels, with the green pulled out of them.
      const spill = [...pixels(inWorker).slice((100 * 320 + 40) * 4, (100 * 320 + 40) * 4 + 4)];
      expect(spill[3]).to.equal(255);
      expect(spill[1]! - spill[0]!).to.be.lessThan(200 - 150);
    } finally {
      for (const renderer of renderers) renderer.close();
      source.stop();
    }
  });

  it('relays speech as speaking and caption events, which the captions element shows and exports', async () => {
    const backend = fakeBackend();
    const host = mount(
      '<streaming-avatar id="a" token-url="/token"></streaming-avatar><avatar-captions for="a" mode="transcript"></avatar-captions>',
    );
    const avatar = avatarIn(host);
    avatar.sessionOptions = backend.sessionOptions;
    const events: string[] = [];
    for (const type of ['avatar-speaking-start', 'avatar-speaking-end'] as const) {
      host.addEventListener(type, () => events.push(type));
    }
    await avatar.start();
    const utterance = avatar.speak('Hello there.');
    await until(() => backend.provider.calls.includes('task Hello there.'), 'the task');
    backend.transport.avatarSays({ type: 'avatar_start_talking', task_id: 'task-1' });
    backend.transport.avatarSays({ type: 'avatar_talking_message', task_id: 'task-1', message: 'Hello ' });
    backend.transport.avatarSays({ type: 'avatar_talking_message', task_id: 'task-1', message: 'there.' });
    backend.transport.avatarSays({ type: 'avatar_stop_talking', task_id: 'task-1' });
    await utterance.done;
    // One event per moment: the end of the utterance is avatar-speaking-end, once.
    expect(events).to.deep.equal(['avatar-speaking-start', 'avatar-speaking-end']);
    const captions = host.querySelector('avatar-captions') as AvatarCaptionsElement;
    await captions.updateComplete;
    expect(captions.shadowRoot!.querySelector('[part~="caption"]')!.textContent).to.equal(
      'Avatar: Hello there.',
    );
    expect(captions.shadowRoot!.querySelector('[aria-live="polite"]')).to.not.equal(null);
    expect(captions.toWebVTT()).to.match(
      /^WEBVTT\n\n1\n00:00:00\.000 --> 00:00:00\.\d{3}\n<v Avatar>Hello there\.\n$/,
    );
    await expectAccessible(host);
  });
});

describe('voice chat in <streaming-avatar>', () => {
  /** A real (silent) microphone track from Web Audio, behind an injected getUserMedia. */
  function fakeMicrophone() {
    const opened: MediaStreamTrack[] = [];
    return {
      opened,
      environment: {
        isSecureContext: true,
        origin: location.origin,
        mediaDevices: {
          async getUserMedia() {
            const stream = new AudioContext().createMediaStreamDestination().stream;
            opened.push(stream.getAudioTracks()[0]!);
            return stream;
          },
        },
      },
    };
  }

  async function voiceAvatar(mode: string) {
    const backend = fakeBackend();
    const microphone = fakeMicrophone();
    const host = mount(`<streaming-avatar token-url="/token" voice-chat="${mode}"></streaming-avatar>`);
    const avatar = avatarIn(host);
    avatar.sessionOptions = backend.sessionOptions;
    avatar.sessionOptions = { ...backend.sessionOptions, microphoneEnvironment: microphone.environment };
    await avatar.start();
    await avatar.updateComplete;
    const button = () => avatar.shadowRoot!.querySelector('[part="microphone"]') as HTMLButtonElement;
    return { host, avatar, backend, microphone, button };
  }

  it('a Talk button starts and stops voice chat, reflecting conversation-state; the microphone is released', async () => {
    const { host, avatar, microphone, button } = await voiceAvatar('conversational');
    expect(button().textContent!.trim()).to.contain('Talk');
    await expectAccessible(host);
    button().click();
    await until(() => avatar.getAttribute('conversation-state') === 'listening', 'listening');
    await avatar.updateComplete;
    expect(button().getAttribute('aria-pressed')).to.equal('true');
    button().click();
    await until(() => avatar.getAttribute('conversation-state') === 'idle', 'idle');
    expect(microphone.opened[0]!.readyState).to.equal('ended');
  });

  it('push-to-talk by keyboard: Space held talks, released stops, and nothing is sent while it is up', async () => {
    const { host, avatar, backend, button } = await voiceAvatar('push-to-talk');
    button().focus();
    button().dispatchEvent(new KeyboardEvent('keydown', { key: ' ', bubbles: true }));
    await until(() => backend.transport.sent.length === 1, 'push_to_talk:start');
    expect(backend.transport.microphoneMuted).to.equal(false);
    expect(avatar.getAttribute('conversation-state')).to.equal('user_speaking');
    await avatar.updateComplete;
    expect(button().getAttribute('aria-pressed')).to.equal('true');
    await expectAccessible(host);
    button().dispatchEvent(new KeyboardEvent('keyup', { key: ' ', bubbles: true }));
    await until(() => backend.transport.sent.length === 2, 'push_to_talk:stop');
    expect(backend.transport.sent).to.deep.equal(['"push_to_talk:start"', '"push_to_talk:stop"']);
    expect(backend.transport.microphoneMuted).to.equal(true);
  });

  it('an answer to the user fires the speaking events, as the page’s own utterances do; interrupt() cuts it', async () => {
    const { host, avatar, backend, button } = await voiceAvatar('conversational');
    const speaking: string[] = [];
    host.addEventListener('avatar-speaking-start', ({ speech }) =>
      speaking.push(`start ${speech.source} ${speech.taskId} ${speech.utteranceId ?? '-'}`),
    );
    host.addEventListener('avatar-speaking-end', ({ speech, interrupted }) =>
      speaking.push(`end ${speech.source} ${speech.taskId} ${interrupted ? 'interrupted' : 'to the end'}`),
    );
    button().click();
    await until(() => avatar.getAttribute('conversation-state') === 'listening', 'listening');
    backend.transport.avatarSays({ type: 'avatar_start_talking', task_id: 'answer-1' });
    backend.transport.avatarSays({ type: 'avatar_stop_talking', task_id: 'answer-1' });
    backend.transport.avatarSays({ type: 'avatar_start_talking', task_id: 'answer-2' });
    await until(() => speaking.length === 3, 'the second answer');
    await avatar.interrupt();
    expect(backend.provider.calls.some((call) => call.startsWith('interrupt '))).to.equal(true);
    expect(speaking).to.deep.equal([
      'start voice answer-1 -',
      'end voice answer-1 to the end',
      'start voice answer-2 -',
      'end voice answer-2 interrupted',
    ]);
  });

  it('shows the live microphone level and lets the user pick another microphone', async () => {
    const realEnumerate = navigator.mediaDevices.enumerateDevices;
    navigator.mediaDevices.enumerateDevices = async () =>
      [
        { kind: 'audioinput', deviceId: 'built-in', label: 'Built-in microphone', groupId: 'a' },
        { kind: 'audioinput', deviceId: 'headset', label: 'USB headset', groupId: 'b' },
      ] as MediaDeviceInfo[];
    try {
      const backend = fakeBackend();
      const picked: (string | undefined)[] = [];
      const host = mount(
        '<streaming-avatar token-url="/token" voice-chat="conversational"></streaming-avatar>',
      );
      const avatar = avatarIn(host);
      avatar.sessionOptions = {
        ...backend.sessionOptions,
        microphoneEnvironment: {
          isSecureContext: true,
          origin: location.origin,
          mediaDevices: {
            async getUserMedia(constraints) {
              picked.push(
                (constraints?.audio as { deviceId?: { exact: string } } | undefined)?.deviceId?.exact,
              );
              // A tone, so the level has something to show.
              const context = new AudioContext();
              const tone = context.createOscillator();
              const destination = context.createMediaStreamDestination();
              tone.connect(destination);
              tone.start();
              return destination.stream;
            },
          },
        },
      };
      await avatar.start();
      await avatar.startVoiceChat();
      const part = (name: string) => avatar.shadowRoot!.querySelector(`[part="${name}"]`);
      await until(() => ((part('input-level') as HTMLMeterElement | null)?.value ?? 0) > 0.1, 'a level');
      await until(() => part('microphone-picker') !== null, 'the microphone list');
      const picker = part('microphone-picker') as HTMLSelectElement;
      expect([...picker.options].map((option) => option.textContent!.trim())).to.deep.equal([
        'Built-in microphone',
        'USB headset',
      ]);
      await expectAccessible(host);
      picker.value = 'headset';
      picker.dispatchEvent(new Event('change'));
      await until(() => picked.length === 2, 'the second microphone');
      expect(picked).to.deep.equal([undefined, 'headset']);
    } finally {
      navigator.mediaDevices.enumerateDevices = realEnumerate;
    }
  });

  /** An avatar with transcript captions that have found it, and the captions' shown lines. */
  async function captionedAvatar(captionAttributes = '') {
    const host = mount(
      `<streaming-avatar id="c" token-url="/token"></streaming-avatar><avatar-captions for="c" mode="transcript" ${captionAttributes}></avatar-captions>`,
    );
    const avatar = avatarIn(host);
    const captions = host.querySelector('avatar-captions') as AvatarCaptionsElement;
    // The captions find their avatar once the tag is defined (already: this resolves after them).
    await customElements.whenDefined('streaming-avatar');
    const lines = () =>
      [...captions.shadowRoot!.querySelectorAll('[part~="caption"]')].map((line) => line.textContent);
    return { avatar, captions, lines };
  }

  it('captions label both sides and export them as WebVTT voice spans, escaped', async () => {
    const { avatar, captions, lines } = await captionedAvatar();
    avatar.dispatchEvent(new AvatarUserSpeechEvent('Is A <b> & B --> C?', true));
    avatar.dispatchEvent(new AvatarSpeechTextEvent('Yes.', 'task-1'));
    await captions.updateComplete;
    expect(lines()).to.deep.equal(['You: Is A <b> & B --> C?', 'Avatar: Yes.']);
    const vtt = captions.toWebVTT();
    expect(vtt).to.contain('<v User>Is A &lt;b&gt; &amp; B --&gt; C?');
    expect(vtt).to.contain('<v Avatar>Yes.');
    expect(vtt.split('-->').length - 1).to.equal(2); // one per cue's timing, none from the text
  });

  it('keeps at most max-cues lines, the newest, in the transcript and its WebVTT', async () => {
    const { avatar, captions, lines } = await captionedAvatar('max-cues="2"');
    avatar.dispatchEvent(new AvatarSpeechTextEvent('One.', 'task-1'));
    avatar.dispatchEvent(new AvatarUserSpeechEvent('Two?', true));
    avatar.dispatchEvent(new AvatarSpeechTextEvent('Three', 'task-2'));
    avatar.dispatchEvent(new AvatarSpeechTextEvent(' words.', 'task-2'));
    await captions.updateComplete;
    expect(captions.transcript.map((cue) => cue.text)).to.deep.equal(['Two?', 'Three words.']);
    expect(lines()).to.deep.equal(['You: Two?', 'Avatar: Three words.']);
    expect(captions.toWebVTT().split('-->').length - 1).to.equal(2);

    captions.maxCues = 1;
    await captions.updateComplete;
    expect(captions.transcript.map((cue) => cue.text)).to.deep.equal(['Three words.']);
  });
});

describe('<streaming-avatar> before the first start', () => {
  it('loads what a start needs when its start button is pointed at or focused', async () => {
    const avatar = avatarIn(mount('<streaming-avatar token-url="/token"></streaming-avatar>'));
    await avatar.updateComplete;
    let preloads = 0;
    avatar.avatar.preload = async () => {
      preloads += 1;
    };
    const start = avatar.shadowRoot!.querySelector('[part="start"]') as HTMLButtonElement;
    start.dispatchEvent(new PointerEvent('pointerenter'));
    start.focus();
    expect(preloads).to.equal(2);
    expect(avatar.state).to.equal('idle');
  });
});

describe('<avatar-credit-meter>', () => {
  it('follows the avatar’s session and shows elapsed time, credits, cost and the budget', async () => {
    const backend = fakeBackend();
    const host = mount(
      '<streaming-avatar id="b" token-url="/token"></streaming-avatar>' +
        '<avatar-credit-meter for="b" max-credits="0.2" price-per-credit="0.99"></avatar-credit-meter>',
    );
    const avatar = avatarIn(host);
    avatar.sessionOptions = backend.sessionOptions;
    await avatar.start();
    const meter = host.querySelector('avatar-credit-meter') as AvatarCreditMeterElement;
    await meter.updateComplete;
    const figure = (name: string) => meter.shadowRoot!.querySelector(`[data-figure="${name}"]`)!.textContent;
    // The first second already bills the 30-second minimum: 0.1 credits (seed 000).
    expect(figure('credits')).to.equal('0.100');
    expect(figure('elapsed')).to.equal('0:00');
    expect(figure('cost')).to.contain('0.099');
    const progress = meter.shadowRoot!.querySelector('progress')!;
    expect(progress.max).to.equal(0.2);
    expect(progress.value).to.equal(0.1);
    expect(meter.hasAttribute('warning')).to.equal(false);
    await expectAccessible(host);
  });

  it('shows every figure from its first render, before the avatar starts', async () => {
    const host = mount(
      '<streaming-avatar id="idle" token-url="/token"></streaming-avatar>' +
        '<avatar-credit-meter for="idle" max-credits="2" price-per-credit="0.99"></avatar-credit-meter>',
    );
    const meter = host.querySelector('avatar-credit-meter') as AvatarCreditMeterElement;
    await meter.updateComplete;
    const figure = (name: string) => meter.shadowRoot!.querySelector(`[data-figure="${name}"]`)?.textContent;
    expect(figure('elapsed')).to.equal('0:00');
    expect(figure('credits')).to.equal('0.000');
    expect(figure('cost')).to.equal('$0.00');
    expect(meter.shadowRoot!.querySelector('progress')!.value).to.equal(0);
  });

  it('finds an avatar added after it, and keeps following it across sessions', async () => {
    const backend = fakeBackend();
    // A budget of 0.1 credits is spent in the first second (the 30-second minimum, seed 000).
    const host = mount('<avatar-credit-meter for="late" max-credits="0.1"></avatar-credit-meter>');
    const meter = host.querySelector('avatar-credit-meter') as AvatarCreditMeterElement;
    await meter.updateComplete;
    const later = document.createElement('streaming-avatar');
    later.id = 'late';
    later.tokenUrl = '/token';
    later.sessionOptions = backend.sessionOptions;
    host.append(later);
    for (let round = 1; round <= 2; round++) {
      const ended = new Promise<string>((resolve) =>
        later.addEventListener('avatar-ended', (event) => resolve(event.reason), { once: true }),
      );
      await later.start();
      expect(await ended, `session ${round}`).to.equal('budget_exhausted');
    }
  });
});

describe('languages', () => {
  afterEach(() => document.documentElement.removeAttribute('lang'));

  const shadowText = (element: Element, part: string) =>
    element.shadowRoot!.querySelector(`[part~="${part}"]`)!.textContent!.trim();

  it('ships German complete: every English message has a German one', () => {
    expect(Object.keys(german).sort()).to.deep.equal(Object.keys(english).sort());
    for (const [key, message] of Object.entries(german)) {
      if (key.startsWith('$')) continue;
      expect(typeof message, key).to.equal(typeof english[key as keyof AvatarMessages]);
    }
  });

  it('follows the element’s lang, then the page’s, and switches when either changes', async () => {
    const host = mount(
      '<streaming-avatar id="own" lang="de" token-url="/token"></streaming-avatar>' +
        '<streaming-avatar id="page" token-url="/token"></streaming-avatar>',
    );
    const [own, page] = [...host.querySelectorAll('streaming-avatar')];
    await Promise.all([own!.updateComplete, page!.updateComplete]);
    expect(shadowText(own!, 'start')).to.equal('Avatar starten');
    expect(shadowText(page!, 'start')).to.equal('Start avatar');

    document.documentElement.lang = 'de';
    await until(() => shadowText(page!, 'start') === 'Avatar starten', 'the page’s language');
    own!.lang = 'en';
    await own!.updateComplete;
    expect(shadowText(own!, 'start')).to.equal('Start avatar');
    await expectAccessible(host);
  });

  it('speaks German through a failure, the meter and the captions', async () => {
    document.documentElement.lang = 'de';
    const backend = fakeBackend({ failStart: new AuthenticationError('Invalid API key.', { status: 401 }) });
    const host = mount(
      '<streaming-avatar id="g" token-url="/token"></streaming-avatar>' +
        '<avatar-credit-meter for="g" price-per-credit="2"></avatar-credit-meter>' +
        '<avatar-captions for="g"></avatar-captions>',
    );
    const avatar = avatarIn(host);
    avatar.sessionOptions = backend.sessionOptions;
    await avatar.start().catch(() => undefined);
    await avatar.updateComplete;
    expect(shadowText(avatar, 'error-message')).to.equal('Der Avatar konnte sich nicht anmelden.');
    expect(shadowText(avatar, 'retry')).to.equal('Erneut versuchen');
    const meter = host.querySelector('avatar-credit-meter')!;
    const captions = host.querySelector('avatar-captions')!;
    await Promise.all([meter.updateComplete, captions.updateComplete]);
    expect([...meter.shadowRoot!.querySelectorAll('dt')].map((term) => term.textContent)).to.deep.equal([
      'Dauer',
      'Credits',
      'Schätzung',
    ]);
    expect(captions.shadowRoot!.querySelector('[part="region"]')!.getAttribute('aria-label')).to.equal(
      'Untertitel des Avatars',
    );
  });

  it('takes one element’s own wording over its language’s', async () => {
    const host = mount('<streaming-avatar lang="de" token-url="/token"></streaming-avatar>');
    const avatar = avatarIn(host);
    avatar.messages = { start: 'Mit Ava sprechen', ended: (reason) => `Ende (${reason})` };
    await avatar.updateComplete;
    expect(shadowText(avatar, 'start')).to.equal('Mit Ava sprechen');
  });
});
