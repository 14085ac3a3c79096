/** The demo page: drives the elements through their public API only. */
import '../components/index.js';
import { type AvatarInfo, chatCompletionText } from '../src/index.js';

const avatar = document.querySelector('streaming-avatar')!;
const meter = document.querySelector('avatar-credit-meter')!;
const captions = document.querySelector('avatar-captions')!;
const picker = document.querySelector<HTMLSelectElement>('#avatar-picker')!;
const text = document.querySelector<HTMLTextAreaElement>('#text')!;
const log = document.querySelector<HTMLOListElement>('#log')!;
const byId = (id: string) => document.getElementById(id) as HTMLButtonElement;

function note(message: string): void {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()} ${message}`;
  log.append(item);
  log.scrollTop = log.scrollHeight;
}

function guard(action: () => unknown): void {
  try {
    const result = action();
    if (result instanceof Promise) result.catch((error: Error) => note(`error: ${error.message}`));
  } catch (error) {
    note(`error: ${(error as Error).message}`);
  }
}

async function loadAvatars(): Promise<void> {
  const response = await fetch('/api/avatars');
  if (!response.ok) return note('could not list avatars');
  const avatars = (await response.json()) as AvatarInfo[];
  picker.replaceChildren(
    ...avatars.map((entry) => new Option(entry.pose_name ?? entry.avatar_id, entry.avatar_id)),
  );
  // LiveAvatar's server picks the avatar: the list may arrive after the user switched to it.
  if (providerPicker.value === 'heygen') avatar.avatarId = picker.value;
}

const providerPicker = document.querySelector<HTMLSelectElement>('#provider-picker')!;
const brainPicker = document.querySelector<HTMLSelectElement>('#brain-picker')!;
const ownModel = () => brainPicker.value === 'own';
/** LiveAvatar FULL answers voice turns from the model its token names (demo/backend.ts). */
function chooseTokenUrl(): void {
  const choice = providerPicker.value;
  avatar.tokenUrl =
    choice === 'liveavatar-lite'
      ? '/api/liveavatar-lite-token'
      : choice === 'liveavatar'
        ? ownModel()
          ? '/api/liveavatar-own-model-token'
          : '/api/liveavatar-token'
        : '/api/avatar-token';
}
brainPicker.addEventListener('change', () => {
  chooseTokenUrl();
  note(
    ownModel()
      ? 'Ask streams the demo’s own model; LiveAvatar (FULL) voice chat answers from it (next start)'
      : 'answers from the provider’s model',
  );
});
providerPicker.addEventListener('change', () => {
  const choice = providerPicker.value;
  const liveAvatar = choice !== 'heygen';
  // LiveAvatar's server chooses the avatar and persona (demo/backend.ts); the page only starts it.
  avatar.provider = liveAvatar ? 'liveavatar' : 'heygen';
  chooseTokenUrl();
  avatar.baseUrl = liveAvatar ? '/liveavatar' : '/heygen';
  picker.disabled = liveAvatar;
  avatar.avatarId = liveAvatar ? undefined : picker.value;
  // LITE speaks only the audio the page sends: no questions for an LLM, no voice chat.
  for (const id of ['ask', 'talk', 'hold-to-talk']) byId(id).disabled = choice === 'liveavatar-lite';
  // LiveAvatar bills each begun minute at the start: 2 credits (FULL) or 1 (LITE), contract §8.
  const budget = liveAvatar ? 10 : 1;
  meter.maxCredits = budget;
  document.querySelector<HTMLInputElement>('#budget')!.value = String(budget);
  note(`provider ${providerPicker.selectedOptions[0]!.text} (used on the next start)`);
});
/** LITE speaks audio: the page makes it (here with the demo backend's text-to-speech) and sends it. */
async function speakAsAudio(words: string): Promise<void> {
  const response = await fetch(`/api/speech?text=${encodeURIComponent(words)}`);
  if (!response.ok) throw new Error('the text-to-speech service failed');
  const sampleRate = Number(response.headers.get('x-sample-rate'));
  await avatar.speakAudio(await response.arrayBuffer(), { sampleRate });
}
picker.addEventListener('change', () => {
  avatar.avatarId = picker.value;
  note(`avatar ${picker.value} (used on the next start)`);
});
byId('start').addEventListener('click', () => guard(() => avatar.start()));
byId('stop').addEventListener('click', () => guard(() => avatar.stop()));
byId('interrupt').addEventListener('click', () => guard(() => avatar.interrupt()));
byId('speak').addEventListener('click', () =>
  guard(() =>
    providerPicker.value === 'liveavatar-lite'
      ? speakAsAudio(text.value)
      : avatar.speak(text.value, { taskType: 'repeat' }),
  ),
);
/** The demo's own model's answer to `question`, as its tokens stream in. */
async function* ownModelAnswer(question: string, signal: AbortSignal): AsyncGenerator<string> {
  const response = await fetch('/api/model/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stream: true, messages: [{ role: 'user', content: question }] }),
    signal,
  });
  yield* chatCompletionText(response);
}
/** Milliseconds from `since` (a `performance.now()` time) to the avatar's next audible sound. */
function firstAudioAfter(since: number): Promise<number | undefined> {
  const track = avatar.avatar.media?.getAudioTracks()[0];
  if (!track) return Promise.resolve(undefined);
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  return new Promise((resolve) => {
    const listen = () => {
      analyser.getFloatTimeDomainData(samples);
      const rms = Math.sqrt(samples.reduce((sum, sample) => sum + sample * sample, 0) / samples.length);
      if (rms > 0.01 || performance.now() - since > 30_000) {
        void context.close();
        resolve(rms > 0.01 ? performance.now() - since : undefined);
      } else requestAnimationFrame(listen);
    };
    listen();
  });
}
let asked = 0;
byId('ask').addEventListener('click', () =>
  guard(async () => {
    if (!ownModel()) {
      avatar.speak(text.value, { taskType: 'talk' });
      return;
    }
    const askedAt = performance.now();
    const utterance = avatar.speak((signal) => ownModelAnswer(text.value, signal));
    const firstAudio = firstAudioAfter(askedAt);
    const ended = await utterance.done.then(
      () => true,
      (error: Error) => {
        note(`the answer stopped: ${error.message}`);
        return false;
      },
    );
    if (!ended) return;
    addLatencyRow(
      `ask ${++asked}`,
      undefined,
      utterance.timings.firstTextMs,
      utterance.timings.startedMs,
      await firstAudio,
    );
  }),
);
document.querySelector<HTMLInputElement>('#chroma')!.addEventListener('change', (event) => {
  const on = (event.target as HTMLInputElement).checked;
  avatar.background = on ? 'chroma-key' : 'none';
  document.getElementById('backdrop')!.classList.toggle('scenic', on);
});
const talk = byId('talk');
const holdToTalk = byId('hold-to-talk');
const transcript = document.querySelector<HTMLOListElement>('#transcript')!;
const latencyRows = document.querySelector<HTMLTableSectionElement>('#latency tbody')!;
talk.addEventListener('click', () =>
  guard(() =>
    avatar.conversationState === 'idle'
      ? avatar.startVoiceChat({ mode: 'conversational' })
      : avatar.stopVoiceChat(),
  ),
);
const holdStart = (event: Event) => {
  event.preventDefault();
  guard(async () => {
    if (avatar.conversationState === 'idle') await avatar.startVoiceChat({ mode: 'push-to-talk' });
    await avatar.startPushToTalk();
  });
};
const holdEnd = () => guard(() => avatar.stopPushToTalk());
holdToTalk.addEventListener('pointerdown', holdStart);
holdToTalk.addEventListener('pointerup', holdEnd);
holdToTalk.addEventListener('pointerleave', holdEnd);
avatar.addEventListener('avatar-conversation-state-change', (event) => {
  document.getElementById('conversation-state')!.textContent = event.state.replace('_', ' ');
  talk.setAttribute('aria-pressed', String(event.state !== 'idle'));
  talk.textContent = event.state === 'idle' ? 'Talk' : 'Stop talking';
});
const showTranscript = () => {
  transcript.replaceChildren(
    ...avatar.avatar.transcript.map((turn) => {
      const item = document.createElement('li');
      item.className = turn.role;
      item.textContent = `${turn.role === 'user' ? 'You' : 'Avatar'}: ${turn.text}`;
      return item;
    }),
  );
};
avatar.avatar.on('transcriptChanged', showTranscript);
function addLatencyRow(turn: string, ...figures: (number | undefined)[]): void {
  const row = latencyRows.insertRow();
  row.insertCell().textContent = turn;
  for (const ms of figures) row.insertCell().textContent = ms === undefined ? '—' : String(Math.round(ms));
}
let turns = 0;
avatar.addEventListener('avatar-turn-latency', ({ latency }) =>
  // The model's first token of a voice turn is seen by the platform, not the page.
  addLatencyRow(
    `voice ${++turns}`,
    latency.toTranscriptMs,
    undefined,
    latency.toAvatarStartMs,
    latency.toFirstAudioMs,
  ),
);
avatar.addEventListener('avatar-user-speech', (event) => {
  if (event.final) note(`you said: ${event.text}`);
});

document.querySelector<HTMLInputElement>('#hidden-stop')!.addEventListener('change', (event) => {
  const on = (event.target as HTMLInputElement).checked;
  avatar.endWhenHidden = on ? 10 : undefined;
  avatar.restartWhenVisible = on;
  note(on ? 'a hidden tab now ends the session after 10 s' : 'hidden tabs keep the session');
});
document.querySelector<HTMLInputElement>('#budget')!.addEventListener('change', (event) => {
  meter.maxCredits = Number((event.target as HTMLInputElement).value);
  note(`budget ${meter.maxCredits} credits (from the next start)`);
});
byId('download-vtt').addEventListener('click', () => {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([captions.toWebVTT()], { type: 'text/vtt' }));
  link.download = 'avatar-captions.vtt';
  link.click();
});

avatar.addEventListener('avatar-state-change', (event) => note(`state ${event.previous} → ${event.state}`));
avatar.addEventListener('avatar-ready', () => note('first frame on screen'));
avatar.addEventListener('avatar-speaking-start', ({ speech }) =>
  note(`speaking ${speech.utteranceId ?? `a ${speech.source} answer`} (task ${speech.taskId.slice(0, 8)})`),
);
avatar.addEventListener('avatar-speaking-end', ({ speech, interrupted }) =>
  note(`${interrupted ? 'interrupted' : 'finished'} ${speech.utteranceId ?? `the ${speech.source} answer`}`),
);
avatar.addEventListener('avatar-expiring', (event) =>
  note(`ends in ${Math.round(event.seconds)} s (${event.reason})`),
);
avatar.addEventListener('avatar-ended', (event) => note(`ended: ${event.reason}`));
avatar.addEventListener('avatar-error', (event) => note(`error ${event.error.code}: ${event.error.message}`));

/** The emulator says when it cannot hear (no recogniser installed): the Talk row says so. */
async function checkVoiceInput(): Promise<void> {
  const response = await fetch('/heygen/_emulator/voice-input').catch(() => undefined);
  if (!response?.ok) return; // not the emulator
  const voiceInput = (await response.json()) as { available: boolean; reason?: string };
  if (voiceInput.available) return;
  const notice = document.getElementById('voice-input-off')!;
  notice.textContent = voiceInput.reason ?? 'Voice input is off.';
  notice.hidden = false;
}

void loadAvatars();
void checkVoiceInput();
