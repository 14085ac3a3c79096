/**
 * The toolkit's vocabulary: the states, connect steps and end reasons every layer speaks, named as
 * in `docs/glossary.md`. A leaf: everything may import it, and it imports only the base errors.
 */
import type { StreamingAvatarError } from './errors.js';

/** The one state of a session. `failed` and `closed` are final. */
export type SessionState =
  | 'idle'
  | 'connecting'
  | 'connected'
  | 'reconnecting'
  | 'closing'
  | 'closed'
  | 'failed';

/**
 * The one state of an avatar on a page: `loading` while the session machinery (API client,
 * schemas, task queue, livekit-client) loads on the first start, then the state of its current
 * session. `idle` until the first start, and again when a start is stopped while loading.
 */
export type AvatarState = 'idle' | 'loading' | SessionState;

/**
 * The step a connecting session is on: getting a session token, `streaming.new`, `streaming.start`
 * (the room join runs beside it), the room join, and waiting for the avatar's video and audio.
 */
export type ConnectPhase = 'token' | 'new' | 'start' | 'room' | 'media';

/**
 * Why a session ended. `page_hidden`: the page stayed hidden longer than the avatar's
 * `endWhenHiddenSeconds`; `inactivity`: nobody spoke, tapped or had the avatar speak for its
 * `endAfterInactivitySeconds`; `renewed`: a renewal moved the avatar to its next session.
 */
export type EndReason =
  | 'user'
  | 'idle_timeout'
  | 'duration_limit'
  | 'budget_exhausted'
  | 'server_closed'
  | 'network_lost'
  | 'page_hidden'
  | 'inactivity'
  | 'renewed'
  | 'error';

/** What will end the session unless something happens: the idle timeout or the duration limit. */
export type ExpiryReason = 'idle_timeout' | 'duration_limit';

/** Seconds left before the session ends by itself, and why it would. */
export interface Remaining {
  seconds: number;
  reason: ExpiryReason;
}

/** How a session ended. `error` is set for `reason: 'error'`. */
export interface SessionEnd {
  reason: EndReason;
  error?: StreamingAvatarError;
}
