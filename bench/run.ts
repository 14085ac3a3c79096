/**
 * `npm run bench [-- --sessions N] [--turns N] [--visits N] [--network local|remote|mobile] [--json] [--write]`:
 * how fast the avatar starts, speaks, is interrupted, answers a voice turn and stops, with this
 * toolkit and with the official SDK, alternating on one fresh emulator in headless Chromium behind
 * the network profile (bench/network.ts); a cold first visit of each (bench/cold-visit.ts);
 * bundle sizes; and on `local` only (they do not depend on
 * the network): render cost, emulator capacity, REST load, long-session growth.
 * `npm run bench -- --soak MINUTES` runs only the always-on soak (bench/soak.ts).
 */
import '../emulator/src/rtc-log-level.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { chromiumFlags, chromiumPath } from '../test/support/chromium.js';
import { fakeMicrophoneFlags, spokenWav } from '../test/support/fake-microphone.js';
import { type BundleSizes, measureBundles } from './bundle-size.js';
import { type CapacityFigures, measureCapacity } from './capacity.js';
import { type ChunkTextFigures, measureChunkText } from './chunk-text.js';
import { type ColdVisitFigures, measureColdVisits, POINTER_REST_MS } from './cold-visit.js';
import { GROWTH_MAX_CUES, type GrowthRow, measureGrowth } from './growth.js';
import {
  isNetworkProfileName,
  NETWORK_PROFILES,
  type NetworkProfileName,
  startProfiledEmulator,
} from './network.js';
import type { RunFigures, VoiceTurnFigures } from './page/main.js';
import { serveBenchPage } from './page-server.js';
import { measureRender, type RenderFigures } from './render.js';
import { measureRestLoad, type RestLoadFigures } from './rest-load.js';
import { measureSoak, SOAK_SESSION_SECONDS, type SoakFigures } from './soak.js';
import { type Summary, summarize } from './stats.js';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '10' },
    turns: { type: 'string' },
    visits: { type: 'string', default: '10' },
    network: { type: 'string', default: 'local' },
    json: { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
    'growth-minutes': { type: 'string', default: '10' },
    soak: { type: 'string' },
  },
});
const sessions = Number(values.sessions);
/** Voice turns each (default: as many as sessions). */
const turns = Number(values.turns ?? values.sessions);
/** Cold first visits each. */
const visits = Number(values.visits);
if (!isNetworkProfileName(values.network)) {
  console.error(`--network: one of ${Object.keys(NETWORK_PROFILES).join(', ')}, not "${values.network}"`);
  process.exit(2);
}
const networkName: NetworkProfileName = values.network;
const { sizeBudget } = JSON.parse(readFileSync('package.json', 'utf8')) as {
  sizeBudget: { beforeStartBytes: number; beforeStartAvatarOnlyBytes: number; coreAndElementsBytes: number };
};
/** The capacity curve adds 360p sessions until a viewer sees under 24 fps, or this many. */
const MAX_CAPACITY_SESSIONS = 16;
/** Each render measurement (key path × size) runs this many seconds. */
const RENDER_SECONDS = 8;
const progress = (line: string) => process.stderr.write(`${line}\n`);
const AVATAR = 'Wayne_20240711';
/** What the fake microphone says in the voice turns, 2.5 s into a 12-second loop. */
const QUESTION = 'What are your opening hours on Saturday?';

async function measureSessions(): Promise<{
  ours: RunFigures[];
  official: RunFigures[];
  voice: { ours: VoiceTurnFigures[]; official: VoiceTurnFigures[] };
  /** LiveAvatar FULL voice turns answered by the page's own model (ours only: the official SDK has no LiveAvatar). */
  ownModelVoice: VoiceTurnFigures[];
  /** Milliseconds from asking the simulated model to the avatar's first audio, per answer. */
  streamed: { ours: number[]; official: number[] };
  cold: ColdVisitFigures;
}> {
  const network = await startProfiledEmulator(NETWORK_PROFILES[networkName]);
  const { apiUrl } = network;
  const server = await serveBenchPage(apiUrl);
  const pageUrl = server.url;
  const microphone = await spokenWav(QUESTION, 2.5, 12);
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      ...chromiumFlags,
      '--autoplay-policy=no-user-gesture-required',
      ...fakeMicrophoneFlags(microphone),
    ],
  });
  try {
    const page = await browser.newPage();
    await page.goto(pageUrl);
    await page.waitForFunction(() => window.bench !== undefined);
    await page.evaluate((base) => window.bench.redirectVoiceChatSocket(base), apiUrl);
    const run = (kind: 'ours' | 'official') =>
      page.evaluate(
        ([which, base, avatar]) =>
          which === 'ours' ? window.bench.runOurs(base!, avatar!) : window.bench.runOfficial(base!, avatar!),
        [kind, apiUrl, AVATAR] as const,
      );
    progress('warming up (one run each, not counted)…');
    await run('ours');
    await run('official');
    const ours: RunFigures[] = [];
    const official: RunFigures[] = [];
    for (let index = 0; index < sessions; index++) {
      // Alternate which goes first, so drift in the machine's load touches both alike.
      const order = index % 2 ? (['official', 'ours'] as const) : (['ours', 'official'] as const);
      for (const kind of order) (kind === 'ours' ? ours : official).push(await run(kind));
      progress(`session pair ${index + 1}/${sessions} done`);
    }
    progress(`measuring ${turns} voice turns each, alternating…`);
    const voiceTurn = (kind: 'ours' | 'official') =>
      page.evaluate(
        ([which, base, avatar]) =>
          which === 'ours'
            ? window.bench.voiceTurnOurs(base!, avatar!)
            : window.bench.voiceTurnOfficial(base!, avatar!),
        [kind, apiUrl, AVATAR] as const,
      );
    await voiceTurn('ours');
    await voiceTurn('official');
    const voice = { ours: [] as VoiceTurnFigures[], official: [] as VoiceTurnFigures[] };
    for (let index = 0; index < turns; index++) {
      const order = index % 2 ? (['official', 'ours'] as const) : (['ours', 'official'] as const);
      for (const kind of order) voice[kind].push(await voiceTurn(kind));
      progress(`voice turn pair ${index + 1}/${turns} done`);
    }
    progress(`measuring ${turns} LiveAvatar FULL voice turns answered by the page's own model…`);
    const ownModelVoice: VoiceTurnFigures[] = [];
    await page.evaluate((base) => window.bench.voiceTurnOwnModel(base), apiUrl);
    for (let index = 0; index < turns; index++) {
      ownModelVoice.push(await page.evaluate((base) => window.bench.voiceTurnOwnModel(base), apiUrl));
      progress(`own-model voice turn ${index + 1}/${turns} done`);
    }
    progress(`measuring ${sessions} streamed answers each, alternating…`);
    const streamedAnswer = (kind: 'ours' | 'official') =>
      page.evaluate(
        ([which, base, avatar]) =>
          which === 'ours'
            ? window.bench.streamedAnswerOurs(base!, avatar!)
            : window.bench.streamedAnswerOfficial(base!, avatar!),
        [kind, apiUrl, AVATAR] as const,
      );
    const streamed = { ours: [] as number[], official: [] as number[] };
    for (let index = 0; index < sessions; index++) {
      const order = index % 2 ? (['official', 'ours'] as const) : (['ours', 'official'] as const);
      for (const kind of order) streamed[kind].push((await streamedAnswer(kind)).toFirstAudioMs);
      progress(`streamed answer pair ${index + 1}/${sessions} done`);
    }
    // The visits' own network is Chromium's emulation of `mobile`: they call the emulator directly,
    // so the API is not delayed twice.
    progress(`measuring ${visits} cold first visits each (mobile network)…`);
    const cold = await measureColdVisits(
      browser,
      pageUrl,
      network.emulator.apiUrl,
      NETWORK_PROFILES.mobile,
      visits,
      progress,
    );
    return { ours, official, voice, ownModelVoice, streamed, cold };
  } finally {
    await browser.close();
    await server.close();
    await network.stop();
  }
}

type FigureName = Exclude<keyof RunFigures, 'phases' | 'keyframeRequests'>;

/** Each figure, and its target (issue targets; '' where the figure is only reported). */
const FIGURES: { key: FigureName | `phase:${string}`; label: string; target?: string }[] = [
  { key: 'phase:new', label: 'start → token received' },
  { key: 'phase:start', label: 'start → session created (new)' },
  { key: 'phase:room', label: 'start → streaming.start answered' },
  { key: 'phase:media', label: 'start → room joined' },
  { key: 'phase:ready', label: 'start → video and audio subscribed' },
  { key: 'subscribedToFirstFrameMs', label: 'video and audio subscribed → first frame' },
  {
    key: 'firstFrameMs',
    label: 'start → first frame (time to first frame)',
    // Issue targets: on loopback, where the official SDK's serial steps cost little, 0.3×; where
    // users are (a network and HeyGen's server work between the steps), 0.6×.
    target: `median ≤ ${networkName === 'local' ? '0.3' : '0.6'}× official; p95 ≤ 1.3× our median`,
  },
  { key: 'speakToTaskSentMs', label: 'speak → task request sent (the client’s own part)' },
  { key: 'speakToTaskAnsweredMs', label: 'speak → task request answered' },
  { key: 'speakToStartTalkingMs', label: 'speak → avatar_start_talking' },
  { key: 'speakToFirstAudioMs', label: 'speak → first audio energy', target: 'median ≤ 0.9× official' },
  { key: 'interruptToSilenceMs', label: 'interrupt → silence', target: 'median ≤ official' },
  { key: 'interruptToSettledMs', label: 'interrupt → utterance settled / stop event' },
  { key: 'stopToNoActiveSessionMs', label: 'stop → no active session' },
];

const VOICE_FIGURES: { key: keyof VoiceTurnFigures; label: string; target?: string }[] = [
  { key: 'toUserStopMs', label: 'voice: user stops speaking → user_stop (the server ends the turn)' },
  { key: 'toAvatarStartMs', label: 'voice: user stops speaking → avatar_start_talking' },
  {
    key: 'toFirstAudioMs',
    label: 'voice: user stops speaking → first audio energy (the voice turn)',
    target: 'median and p95 ≤ official',
  },
];

function pick(runs: RunFigures[], key: string): number[] {
  return runs.map((run) => (key.startsWith('phase:') ? run.phases[key.slice(6)]! : run[key as FigureName]));
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : '–');
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;

/** What the machine, not the network, decides: measured on the `local` profile only. */
interface MachineFigures {
  capacity: CapacityFigures;
  restLoad: RestLoadFigures;
  chunking: ChunkTextFigures;
  render: RenderFigures[];
  growth: GrowthRow[];
}

function table(
  results: Awaited<ReturnType<typeof measureSessions>>,
  bundles: BundleSizes,
  machine: MachineFigures | undefined,
) {
  const lines = [
    row([
      'figure (ms)',
      'ours median',
      'ours p95',
      'ours min–max',
      'official median',
      'official p95',
      'official min–max',
      'ours/official (median)',
      'target',
    ]),
    row(Array(9).fill('---')),
  ];
  const summaries: Record<string, { ours: Summary; official: Summary; ratio: number }> = {};
  const addRow = (
    key: string,
    label: string,
    oursValues: number[],
    officialValues: number[],
    target = '',
  ) => {
    const ours = summarize(oursValues);
    const official = summarize(officialValues);
    const ratio = ours.median / official.median;
    summaries[key] = { ours, official, ratio };
    lines.push(
      row([
        label,
        ms(ours.median),
        ms(ours.p95),
        `${ms(ours.min)}–${ms(ours.max)}`,
        ms(official.median),
        ms(official.p95),
        `${ms(official.min)}–${ms(official.max)}`,
        Number.isFinite(ratio) ? ratio.toFixed(2) : '–',
        target,
      ]),
    );
  };
  for (const { key, label, target } of FIGURES)
    addRow(key, label, pick(results.ours, key), pick(results.official, key), target);
  // Where a slow first frame comes from: a receiver that asked for a keyframe (its first was lost
  // or never came) waited for the answer to that request.
  const askedForKeyframe = (runs: RunFigures[]) => {
    const asked = runs.filter((run) => run.keyframeRequests > 0);
    const wait = summarize(asked.map((run) => run.subscribedToFirstFrameMs)).median;
    return `${asked.length} of ${runs.length}${asked.length ? ` (subscribed → first frame ${ms(wait)} ms)` : ''}`;
  };
  lines.push(
    row([
      'starts whose receiver asked for a keyframe (PLI/FIR) before its first frame',
      askedForKeyframe(results.ours),
      '',
      '',
      askedForKeyframe(results.official),
      '',
      '',
      '',
      '',
    ]),
  );
  for (const { key, label, target } of VOICE_FIGURES) {
    // A turn the avatar did not answer has no figure: the label says how many answered.
    const values = (turns: VoiceTurnFigures[]) => turns.map((turn) => turn[key]).filter(Number.isFinite);
    const ours = values(results.voice.ours);
    const official = values(results.voice.official);
    const complete = ours.length === turns && official.length === turns;
    const counted = complete
      ? ''
      : ` (answered: ours ${ours.length}, official ${official.length} of ${turns})`;
    addRow(`voice:${key}`, `${label}${counted}`, ours, official, target);
  }
  addRow(
    'streamed',
    'streamed answer (first token 300 ms, 30 tokens/s, 120 tokens): model asked → first audio energy; official: whole answer, then speak',
    results.streamed.ours,
    results.streamed.official,
    'median ≤ 0.35× official',
  );
  const cold = (visits: { clickToFirstFrameMs: number; openToFirstFrameMs: number }[], open = false) =>
    visits.map((visit) => (open ? visit.openToFirstFrameMs : visit.clickToFirstFrameMs));
  addRow(
    'coldVisit',
    'cold first visit (mobile: 300 ms round trip, 4 Mbit/s down): click → first frame',
    cold(results.cold.ours),
    cold(results.cold.official),
    'median ≤ 0.6× official',
  );
  addRow(
    'coldVisitPointerRested',
    `cold first visit, the pointer resting ${POINTER_REST_MS} ms on start first (ours preloads): click → first frame`,
    cold(results.cold.oursPointerRested),
    cold(results.cold.official),
    'median ≤ 0.6× official',
  );
  addRow(
    'coldVisitFromOpen',
    'cold first visit, clicked as soon as the button shows: page opened → first frame',
    cold(results.cold.ours, true),
    cold(results.cold.official, true),
  );
  addRow(
    'ownModelVoice',
    'LiveAvatar FULL voice turn, the page’s own model (simulated): user stops speaking → first audio energy',
    results.ownModelVoice.map((turn) => turn.toFirstAudioMs).filter(Number.isFinite),
    [],
  );
  const kb = (size: number) => `${(size / 1024).toFixed(1)} KB`;
  const bytes = (size: number) => `${size.toLocaleString('en')} B`;
  const sized = (size: number) => `${kb(size)} (${bytes(size)})`;
  lines.push(
    '',
    row(['bundle (minified + gzipped)', 'size', 'target']),
    row(['---', '---', '---']),
    row(['core (without livekit-client)', kb(bundles.core), '']),
    // The ceilings `npm test` guards (package.json sizeBudget), in bytes.
    row([
      'core + elements (without livekit-client)',
      sized(bundles.coreAndElements),
      `≤ ${bytes(sizeBudget.coreAndElementsBytes)}`,
    ]),
    row(['downloaded before start()', sized(bundles.beforeStart), `≤ ${bytes(sizeBudget.beforeStartBytes)}`]),
    row([
      'downloaded before start(), `<streaming-avatar>` alone',
      sized(bundles.beforeStartAvatarOnly),
      `≤ ${bytes(sizeBudget.beforeStartAvatarOnlyBytes)}`,
    ]),
    row(['everything, with livekit-client', kb(bundles.whole), '']),
    row(['official SDK, with its dependencies (all before start)', kb(bundles.officialSdk), '']),
    row([
      `everything, with the official SDK’s older livekit-client`,
      kb(bundles.wholeWithOfficialLivekit),
      '',
    ]),
    row([
      'livekit-client alone: ours / the official SDK’s',
      `${kb(bundles.livekit)} / ${kb(bundles.officialLivekit)}`,
      '',
    ]),
  );
  if (machine) lines.push(...machineTable(machine));
  return { markdown: lines.join('\n'), summaries };
}

function machineTable({ capacity, restLoad, chunking, render, growth }: MachineFigures): string[] {
  return [
    '',
    row([
      'render (chroma key path)',
      'size',
      'main-thread ms per frame',
      'key ms per frame (its thread)',
      'video fps',
      'keyed fps',
      'dropped frames',
      'machine busy',
    ]),
    row(Array(8).fill('---')),
    ...render.map((entry) =>
      row([
        `chroma key ${entry.path}`,
        `${entry.width}×${entry.height}`,
        entry.mainThreadMsPerFrame.toFixed(2),
        entry.path === 'off' ? '–' : entry.keyMsPerFrame.toFixed(2),
        entry.videoFps.toFixed(1),
        entry.path === 'off' ? '–' : entry.keyedFps.toFixed(1),
        String(entry.droppedFrames),
        `${(entry.machineBusy * 100).toFixed(0)} %`,
      ]),
    ),
    row(['target (worker)', '', '≤ 1 ms more than key off', '', '≥ 24', '≥ 24', 'no more than key off', '']),
    '',
    row(['emulator capacity', 'value', 'target']),
    row(['---', '---', '---']),
    row([
      'cores per further 360p session (render + encode; the curve’s slope)',
      capacity.coresPerSession.toFixed(3),
      '≤ 0.25',
    ]),
    row(['cores whatever the sessions (the line at 0 sessions)', capacity.fixedCores.toFixed(2), '']),
    row([
      'cores the first session took over the idle emulator (fixed costs included)',
      capacity.firstSessionCores.toFixed(3),
      '',
    ]),
    row([
      `concurrent 360p sessions at ≥ 24 fps (tried up to ${MAX_CAPACITY_SESSIONS})`,
      String(capacity.sessionsAt24Fps),
      '≥ 10',
    ]),
    row([
      'sessions a 16-core machine would hold, by that line',
      String(Math.floor((16 - capacity.fixedCores) / capacity.coresPerSession)),
      '',
    ]),
    '',
    row(['360p sessions', 'lowest fps', 'emulator + livekit-server cores']),
    row(['---', '---', '---']),
    ...capacity.fpsBySessions.map((step) =>
      row([String(step.sessions), step.minFps.toFixed(1), step.cores.toFixed(2)]),
    ),
    '',
    row(['emulator REST: keep_alive, 100 --no-media sessions, 100 connections', 'value', 'target']),
    row(['---', '---', '---']),
    row(['latency median (ms)', ms(restLoad.latencyMs.median), '']),
    row(['latency p97.5, an upper bound of p95 (ms)', ms(restLoad.latencyMs.p97_5), '< 50']),
    row(['latency p99 (ms)', ms(restLoad.latencyMs.p99), '']),
    row(['throughput (requests/s)', restLoad.requestsPerSecond.toFixed(0), '']),
    row(['emulator CPU per request (ms)', restLoad.cpuMsPerRequest.toFixed(3), '']),
    row(['answers other than 200', String(restLoad.errors), '0']),
    '',
    row([
      'long session: minute',
      'utterances spoken',
      'JS heap (KB, after GC)',
      'event listeners',
      'DOM nodes',
      'pending timers',
      'queued utterances',
      'caption cues kept (characters)',
      'main-thread CPU ms in the minute',
    ]),
    row(Array(9).fill('---')),
    ...growth.map((entry) =>
      row([
        String(entry.minute),
        String(entry.spoken),
        (entry.heapBytes / 1024).toFixed(0),
        String(entry.listeners),
        String(entry.nodes),
        String(entry.timers),
        String(entry.queued),
        `${entry.cues} (${entry.cueCharacters.toLocaleString('en')})`,
        entry.cpuMsPerMinute.toFixed(0),
      ]),
    ),
    row([
      'target',
      '',
      'no growth beyond the cues kept',
      'flat',
      'flat',
      'flat',
      '≤ 1',
      `≤ ${GROWTH_MAX_CUES} (the page’s max-cues)`,
      'flat',
    ]),
    '',
    row(['chunkText (characters)', 'ms (best of 5)', 'ms per 1,000 characters', 'target']),
    row(['---', '---', '---', '---']),
    ...chunking.rows.map((entry) =>
      row([
        entry.characters.toLocaleString('en'),
        entry.ms.toFixed(1),
        entry.msPerThousand.toFixed(3),
        'linear: steady per 1,000',
      ]),
    ),
  ];
}

if (values.soak !== undefined) {
  const minutes = Number(values.soak);
  progress(`soaking for ${minutes} minutes on ${SOAK_SESSION_SECONDS}-second sessions…`);
  console.log(`\n${soakTable(await measureSoak(AVATAR, minutes, progress))}`);
  process.exit(0);
}

progress('measuring bundles…');
const bundles = await measureBundles();
progress(`measuring ${sessions} sessions each, alternating, on the ${networkName} network…`);
const results = await measureSessions();
let machine: MachineFigures | undefined;
if (networkName === 'local') {
  progress('measuring emulator capacity…');
  const capacity = await measureCapacity(MAX_CAPACITY_SESSIONS, progress);
  progress('measuring the emulator under REST load…');
  const restLoad = await measureRestLoad(10, progress);
  const chunking = measureChunkText();
  const render = await measureRender(AVATAR, RENDER_SECONDS, progress);
  const growth = await measureGrowth(AVATAR, Number(values['growth-minutes']), progress);
  machine = { capacity, restLoad, chunking, render, growth };
}
const { markdown, summaries } = table(results, bundles, machine);
const stamp = `${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), network ${networkName}, ${sessions} sessions and ${turns} voice turns each`;

console.log(`\nResults (${stamp})\n\n${markdown}`);
if (values.write) {
  const readmePath = resolve(import.meta.dirname, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  // Each profile's latest table sits between its own pair of markers; a first run adds the pair.
  const [open, close] = [`<!-- results:${networkName} -->`, `<!-- /results:${networkName} -->`];
  const section = `${open}\nMeasured ${stamp}.\n\n${markdown}\n${close}`;
  const at = readme.indexOf(open);
  writeFileSync(
    readmePath,
    at === -1
      ? `${readme.trimEnd()}\n\n## Latest results: \`${networkName}\`\n\n${section}\n`
      : `${readme.slice(0, at)}${section}${readme.slice(readme.indexOf(close) + close.length)}`,
  );
  progress('bench/README.md updated');
}
if (values.json) {
  console.log(
    JSON.stringify({
      date: stamp,
      figures: summaries,
      runs: results,
      bundles,
      network: networkName,
      ...machine,
    }),
  );
}
process.exit(0);

/** The soak's table: each handoff as the viewer saw it, and what the page held each minute. */
function soakTable({ rows, last, ledgerCredits, meterCredits, leftActive }: SoakFigures): string {
  const gaps = summarize(last.renewals.map((renewal) => renewal.largestGapMs));
  const overlaps = summarize(last.renewals.map((renewal) => renewal.overlapSeconds));
  const steady = summarize(last.steadyGapsMs);
  const first = rows[0];
  const final = rows.at(-1);
  const lines = [
    row(['Soak', 'figure', 'target']),
    row(['---', '---', '---']),
    row([
      'renewals (failed)',
      `${last.renewals.length} (${last.renewFailures.length})`,
      'one per session, none failed',
    ]),
    row([
      'largest frame gap per handoff, median / p95 / worst',
      `${gaps.median.toFixed(0)} / ${gaps.p95.toFixed(0)} / ${gaps.max.toFixed(0)} ms`,
      '≤ 100 / — / ≤ 200 ms',
    ]),
    row([
      'largest frame gap in 2.5 s away from handoffs (once a minute), median / worst',
      `${steady.median.toFixed(0)} / ${steady.max.toFixed(0)} ms (${last.steadyGapsMs.length} samples)`,
      '— (the machine’s baseline)',
    ]),
    row([
      'handoffs with a gap over 200 ms (which, in order)',
      `${last.renewals.filter((renewal) => renewal.largestGapMs > 200).length} (${last.renewals
        .flatMap((renewal, index) => (renewal.largestGapMs > 200 ? [`#${index + 1}`] : []))
        .join(', ')})`,
      '0',
    ]),
    row([
      'darkest frame across handoffs (mean luma, 0–255)',
      Math.min(...last.renewals.map((renewal) => renewal.darkestLuma)).toFixed(0),
      'no black frame',
    ]),
    row([
      'overlap per renewal, median / worst',
      `${overlaps.median.toFixed(1)} / ${overlaps.max.toFixed(1)} s`,
      '—',
    ]),
    row([
      'credits: meter / emulator ledger',
      `${meterCredits.toFixed(3)} / ${ledgerCredits.toFixed(3)}`,
      'equal',
    ]),
    row(['sessions left active after the stop', String(leftActive), '0']),
    row([
      'minute 1 → last: heap, listeners, nodes, timers',
      `${((first?.heapBytes ?? 0) / 1e6).toFixed(1)} → ${((final?.heapBytes ?? 0) / 1e6).toFixed(1)} MB, ` +
        `${first?.listeners} → ${final?.listeners}, ${first?.nodes} → ${final?.nodes}, ${first?.timers} → ${final?.timers}`,
      'flat',
    ]),
    row(['state, voice chat at the end', `${last.state}, ${last.conversationState}`, 'connected, listening']),
  ];
  return lines.join('\n');
}
