/**
 * `useAvatar(ref)`: what a React app shows about an avatar — its state, the voice conversation's
 * state, the transcript and the credit meter's reading — kept current from the element's
 * avatar's own events. No second session logic: the hook only listens.
 */
import { type RefObject, useEffect, useState } from 'react';
import type { StreamingAvatarElement } from '../components/index.js';
import type { Avatar } from '../src/avatar.js';
import { CreditMeter, type CreditMeterOptions, type MeterReading } from '../src/credits/credit-meter.js';
import type { AvatarState } from '../src/vocabulary.js';
import type { ConversationState, TranscriptTurn } from '../src/voice/conversation.js';

/** What {@link useAvatar} returns; a new object whenever any of it changes. */
export interface AvatarSnapshot {
  /** `idle`, `loading`, `connecting`, `connected`, `reconnecting`, `closing`, `closed` or `failed`. */
  state: AvatarState;
  /** The voice conversation's state (`idle` without voice chat). */
  conversationState: ConversationState;
  /** The voice transcript, both sides, in order, across the avatar's sessions. */
  transcript: readonly TranscriptTurn[];
  /** The credit meter's latest reading (once a second while a session runs), before the first start undefined. */
  meter: MeterReading | undefined;
  /** The element's avatar, for commands (`start()`, `speak()`, `stop()`), once the element is mounted. */
  avatar: Avatar | undefined;
}

/** Options of {@link useAvatar}: the credit meter's (its rate plan, budget, price per credit). */
export type UseAvatarOptions = Omit<CreditMeterOptions, 'clock'>;

const INITIAL: AvatarSnapshot = {
  state: 'idle',
  conversationState: 'idle',
  transcript: [],
  meter: undefined,
  avatar: undefined,
};

/**
 * Follows the `<streaming-avatar>` (or `Avatar` component) that `ref` points at when the
 * calling component mounts; `options` are read then too.
 * @throws {InvalidOptionError} (`invalid_parameter`) when a meter option is out of range (see {@link CreditMeter}).
 */
export function useAvatar(
  ref: RefObject<StreamingAvatarElement | null>,
  options: UseAvatarOptions = {},
): AvatarSnapshot {
  const [snapshot, setSnapshot] = useState<AvatarSnapshot>(INITIAL);
  // biome-ignore lint/correctness/useExhaustiveDependencies: options are read once, at mount, as documented.
  useEffect(() => {
    // Refs are attached before effects run, so the element is there after the first render.
    const element = ref.current;
    if (!element) return;
    const { avatar } = element;
    const meter = new CreditMeter(avatar, options);
    const read = (): AvatarSnapshot => ({
      state: avatar.state,
      conversationState: avatar.conversationState,
      transcript: [...avatar.transcript],
      meter: avatar.startedAt === undefined ? undefined : meter.reading(),
      avatar,
    });
    const update = () => setSnapshot(read());
    update();
    avatar.on('stateChanged', update);
    avatar.on('conversationStateChanged', update);
    avatar.on('transcriptChanged', update);
    meter.on('tick', update);
    return () => {
      avatar.off('stateChanged', update);
      avatar.off('conversationStateChanged', update);
      avatar.off('transcriptChanged', update);
      meter.dispose();
    };
  }, [ref]);
  return snapshot;
}
