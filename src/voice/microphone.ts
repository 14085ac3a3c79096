/**
 * Opens the user's microphone for voice chat, with the processing HeyGen's voice chat expects
 * (echo cancellation, noise suppression, auto gain; contract doc), and turns the browser's
 * refusals into typed errors worded for the person who hits them.
 */
import { StreamingAvatarError } from '../errors.js';

/** Why the microphone could not be opened. */
export type MicrophoneErrorReason = 'denied' | 'missing' | 'busy' | 'insecure_context' | 'unsupported';

/** The microphone could not be opened; `reason` says why, the message what to do. */
export class MicrophoneError extends StreamingAvatarError {
  readonly reason: MicrophoneErrorReason;

  constructor(reason: MicrophoneErrorReason, message: string, cause?: unknown) {
    super('microphone', message, { cause });
    this.reason = reason;
  }
}

/** What opening a microphone needs from the page (injected in tests). */
export interface MicrophoneEnvironment {
  mediaDevices: Pick<MediaDevices, 'getUserMedia'> | undefined;
  /** `window.isSecureContext`: microphones need https or localhost. */
  isSecureContext: boolean;
  /** The page's origin, for the message when it is not secure. */
  origin: string;
}

/** The page's own environment. */
export function pageMicrophoneEnvironment(): MicrophoneEnvironment {
  return {
    mediaDevices: globalThis.navigator?.mediaDevices,
    isSecureContext: globalThis.isSecureContext ?? false,
    origin: globalThis.location?.origin ?? 'this page',
  };
}

/**
 * Opens one microphone track.
 * @param deviceId A device from `enumerateDevices()`; default the system's default microphone.
 * @throws {MicrophoneError} `insecure_context` on http pages other than localhost (the "works
 *   locally, not deployed" case), `denied` when the user or a policy refused, `missing` when
 *   there is no microphone (or not `deviceId`), `busy` when another program holds it,
 *   `unsupported` without `getUserMedia`.
 */
export async function openMicrophone(
  environment: MicrophoneEnvironment,
  deviceId?: string,
): Promise<MediaStreamTrack> {
  if (!environment.isSecureContext) {
    throw new MicrophoneError(
      'insecure_context',
      `Browsers only give microphones to secure pages: ${environment.origin} is served over http. ` +
        'Serve it over https (localhost is the one exception, which is why it works on your machine).',
    );
  }
  if (!environment.mediaDevices?.getUserMedia) {
    throw new MicrophoneError(
      'unsupported',
      'This browser cannot record from a microphone (no getUserMedia).',
    );
  }
  try {
    const stream = await environment.mediaDevices.getUserMedia({
      audio: {
        echoCancellation: true,
        noiseSuppression: true,
        autoGainControl: true,
        ...(deviceId === undefined ? {} : { deviceId: { exact: deviceId } }),
      },
    });
    const [track] = stream.getAudioTracks();
    if (!track) throw new MicrophoneError('missing', 'The browser opened no microphone track.');
    return track;
  } catch (error) {
    throw toMicrophoneError(error);
  }
}

/** The typed error for a `getUserMedia` refusal. */
export function toMicrophoneError(error: unknown): MicrophoneError {
  if (error instanceof MicrophoneError) return error;
  const name = (error as { name?: unknown } | undefined)?.name;
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return new MicrophoneError(
        'denied',
        'Microphone access was refused. Allow the microphone for this site (the icon in the address bar) and try again.',
        error,
      );
    case 'NotFoundError':
    case 'OverconstrainedError':
      return new MicrophoneError(
        'missing',
        'No microphone was found. Plug one in, or choose another in the microphone list.',
        error,
      );
    case 'NotReadableError':
    case 'AbortError':
      return new MicrophoneError(
        'busy',
        'The microphone is in use by another program or tab. Close it there and try again.',
        error,
      );
    default:
      return new MicrophoneError(
        'unsupported',
        `The microphone could not be opened: ${String(error)}`,
        error,
      );
  }
}
