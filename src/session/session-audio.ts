/** Audio the page brings for the avatar to speak (LiveAvatar LITE), on one session. */
import { InvalidOptionError, StreamingAvatarError } from '../errors.js';
import type { SessionRoom } from './session-voice.js';

/** The audio path of one session: sends the page's audio, and cuts it. */
export class SessionAudio {
  /** Calls of `speak` not yet settled. */
  #inFlight = 0;

  /**
   * @param room The connected session's room, or undefined while it is not connected.
   * @param noteActivity Tells the session its idle timeout was reset.
   */
  constructor(
    private readonly room: () => SessionRoom | undefined,
    private readonly noteActivity: () => void,
  ) {}

  /** Whether audio is being spoken. */
  get speaking(): boolean {
    return this.#inFlight > 0;
  }

  /**
   * Speaks audio you bring (LiveAvatar LITE): 16-bit mono `pcm` (an `Int16Array`, or its bytes,
   * little-endian) at `sampleRate` samples per second; resampled to the provider's rate and sent
   * in about one-second frames. Resolves once it was spoken to the end.
   * @throws {StreamingAvatarError} `not_started` before the session is connected; `configuration`
   *   when the provider speaks only text (HeyGen, LiveAvatar FULL: use `speak()`);
   *   {@link InvalidOptionError} for a `sampleRate` that is not a positive number;
   *   `interrupted` when `interrupt()` (or newer audio) cuts it.
   */
  async speak(pcm: Int16Array | ArrayBuffer, options: { sampleRate: number }): Promise<void> {
    const room = this.room();
    if (!room) {
      throw new StreamingAvatarError(
        'not_started',
        'speakAudio needs a connected session: start the avatar first.',
      );
    }
    const { provider, sessionId } = room;
    if (!provider.sendAudio) {
      throw new StreamingAvatarError(
        'configuration',
        'speakAudio needs LiveAvatar LITE (provider: liveAvatar({ mode: "lite" })); this provider speaks text: use speak().',
      );
    }
    if (!(options.sampleRate > 0) || !Number.isFinite(options.sampleRate)) {
      throw new InvalidOptionError('sampleRate', 'samples per second, above 0', options.sampleRate);
    }
    const samples =
      pcm instanceof Int16Array ? pcm : new Int16Array(pcm.slice(0, pcm.byteLength - (pcm.byteLength % 2)));
    this.noteActivity();
    this.#inFlight += 1;
    try {
      await provider.sendAudio(sessionId, samples, options.sampleRate);
    } finally {
      this.#inFlight -= 1;
      this.noteActivity();
    }
  }

  /** Cuts the audio being spoken, if any. */
  async interrupt(): Promise<void> {
    const room = this.room();
    if (this.#inFlight > 0 && room) await room.provider.interrupt(room.sessionId);
  }
}
