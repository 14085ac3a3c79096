/**
 * Emulator capacity on this machine: CPU per 360p session and how many concurrent 360p sessions
 * keep 25 fps at a viewer (the REST side under load is bench/rest-load.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dispose, type RemoteTrack, Room, RoomEvent, TrackKind, VideoStream } from '@livekit/rtc-node';
import { linearRegression } from 'simple-statistics';
import { startEmulator } from '../emulator/src/index.js';
import { StreamingApiClient } from '../src/api/client.js';

export interface CapacityFigures {
  /**
   * Cores each further 360p session with one viewer adds to the emulator with its livekit-server
   * (1 = a whole core): the slope of a least-squares line through the curve's points at ≥ 24 fps.
   */
  coresPerSession: number;
  /** Where that line meets zero sessions: the cores the emulator uses whatever the sessions. */
  fixedCores: number;
  /** Cores the first session took over the idle emulator, fixed costs included (one 5-second sample). */
  firstSessionCores: number;
  /**
   * At each number of concurrent 360p sessions: the lowest per-session frame rate a viewer saw,
   * and the cores the emulator with its livekit-server used (the viewers, in the measuring
   * process, share the same machine).
   */
  fpsBySessions: { sessions: number; minFps: number; cores: number }[];
  /** Most concurrent 360p sessions whose every viewer saw at least 24 fps. */
  sessionsAt24Fps: number;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds used so far by `pid` and every process under it (livekit-server is the emulator's child). */
function cpuSeconds(pid: number): number {
  const stats = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      try {
        const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return [
          { pid: Number(entry), parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) },
        ];
      } catch {
        return []; // the process ended while being read
      }
    });
  const tree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const stat of stats) {
      if (!tree.has(stat.pid) && tree.has(stat.parent)) {
        tree.add(stat.pid);
        grew = true;
      }
    }
  }
  const ticks = stats.filter((stat) => tree.has(stat.pid)).reduce((sum, stat) => sum + stat.ticks, 0);
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** A Node viewer that counts the frames of the avatar's video. */
async function watch(url: string, token: string) {
  const room = new Room();
  let frames = 0;
  room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack) => {
    if (track.kind !== TrackKind.KIND_VIDEO) return;
    void (async () => {
      for await (const _ of new VideoStream(track)) frames += 1;
    })();
  });
  await room.connect(url, token, { autoSubscribe: true, dynacast: false });
  return { frames: () => frames, leave: () => room.disconnect() };
}

export async function measureCapacity(
  maxSessions = 6,
  log: (line: string) => void = () => undefined,
): Promise<CapacityFigures> {
  const emulator = await startEmulator();
  const { apiUrl } = emulator;
  const admin = new StreamingApiClient({ credentials: { apiKey: 'emulator-api-key' }, baseUrl: apiUrl });
  const open = async () => {
    const client = new StreamingApiClient({
      credentials: { sessionToken: await admin.createSessionToken() },
      baseUrl: apiUrl,
    });
    // The longest idle timeout: early sessions must not time out while later ones are added.
    const session = await client.newSession({ quality: 'low', activity_idle_timeout: 3600 });
    const viewer = await watch(session.url, session.access_token);
    await client.startSession(session.session_id);
    return { client, id: session.session_id, viewer };
  };
  try {
    const { pid } = emulator;
    const idleStart = cpuSeconds(pid);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const idleCores = (cpuSeconds(pid) - idleStart) / 5;

    const fpsBySessions: CapacityFigures['fpsBySessions'] = [];
    const sessions: Awaited<ReturnType<typeof open>>[] = [];
    let firstSessionCores = Number.NaN;
    for (let count = 1; count <= maxSessions; count++) {
      sessions.push(await open());
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const before = sessions.map((session) => session.viewer.frames());
      const cpuBefore = cpuSeconds(pid);
      await new Promise((resolve) => setTimeout(resolve, 5000));
      const minFps = Math.min(
        ...sessions.map((session, index) => (session.viewer.frames() - before[index]!) / 5),
      );
      const cores = (cpuSeconds(pid) - cpuBefore) / 5;
      if (count === 1) firstSessionCores = cores - idleCores;
      fpsBySessions.push({ sessions: count, minFps, cores });
      log(
        `capacity: ${count} session(s), lowest ${minFps.toFixed(1)} fps, emulator ${cores.toFixed(2)} cores`,
      );
      if (minFps < 24) break;
    }
    for (const session of sessions) {
      await session.viewer.leave();
      await session.client.stopSession(session.id);
    }
    const held = fpsBySessions.filter((entry) => entry.minFps >= 24);
    const line =
      held.length >= 2
        ? linearRegression(held.map((entry) => [entry.sessions, entry.cores]))
        : { m: Number.NaN, b: Number.NaN };
    return {
      coresPerSession: line.m,
      fixedCores: line.b,
      firstSessionCores,
      fpsBySessions,
      sessionsAt24Fps: held.length ? Math.max(...held.map((entry) => entry.sessions)) : 0,
    };
  } finally {
    await emulator.stop();
    await dispose();
  }
}
