/**
 * Ends a process that runs the emulator cleanly: on Ctrl-C (SIGINT), SIGTERM or when the parent
 * that started it is gone, runs `closers` in order, releases rtc-node (a process that used it
 * does not exit until then) and exits; forced after 8 s if a closer hangs.
 */
import { dispose } from '@livekit/rtc-node';

export function exitOnStop(announce: () => void, closers: (() => Promise<unknown>)[]): void {
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    announce();
    setTimeout(() => process.exit(0), 8000).unref();
    for (const close of closers) await close().catch(() => undefined);
    await dispose().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  // Started by a test or a script that died: stop with it rather than linger.
  const parent = process.ppid;
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      void stop();
    }
  }, 1000).unref();
}
