/**
 * `useAvatar(ref)`: what a React app shows about an avatar — its state, the voice conversation's
 * state, the transcript and the credit meter's reading — kept current from the element's
 * controller's own events. No second session logic: the hook only listens.
 */
import { type RefObject, useEffect, useState } from 'react';
import type { StreamingAvatarElement } from '../components/index.js';
import { CreditMeter, type CreditMeterOptions, type MeterReading } from '../src/credits/credit-meter.js';
import type { AvatarController, AvatarState } from '../src/session/controller.js';
import type { ConversationState, TranscriptTurn } from '../src/voice/conversation.js';

/** What {@link useAvatar} returns; a new object whenever any of it changes. */
export interface AvatarSnapshot {
  /** `idle`, `loading`, `connecting`, `connected`, `reconnecting`, `stopping`, `ended` or `failed`. */
  state: AvatarState;
  /** The voice conversation's state (`idle` without voice chat). */
  conversationState: ConversationState;
  /** The current session's voice transcript, both sides, in order. */
  transcript: readonly TranscriptTurn[];
  /** The credit meter's latest reading (once a second while a session runs), before the first start undefined. */
  meter: MeterReading | undefined;
  /** The element's controller, for commands (`start()`, `speak()`, `stop()`), once the element is mounted. */
  controller: AvatarController | undefined;
}

/** Options of {@link useAvatar}: the credit meter's (its rate plan, budget, price per credit). */
export type UseAvatarOptions = Omit<CreditMeterOptions, 'clock'>;

const INITIAL: AvatarSnapshot = {
  state: 'idle',
  conversationState: 'idle',
  transcript: [],
  meter: undefined,
  controller: undefined,
};

/**
 * Follows the `<streaming-avatar>` (or `StreamingAvatar` component) that `ref` points at when the
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
    const { controller } = element;
    const meter = new CreditMeter(controller, options);
    const read = (): AvatarSnapshot => ({
      state: controller.state,
      conversationState: controller.conversationState,
      transcript: [...controller.transcript],
      meter: controller.startedAt === undefined ? undefined : meter.reading(),
      controller,
    });
    const update = () => setSnapshot(read());
    update();
    controller.on('stateChanged', update);
    controller.on('conversationStateChanged', update);
    controller.on('transcriptChanged', update);
    meter.on('tick', update);
    return () => {
      controller.off('stateChanged', update);
      controller.off('conversationStateChanged', update);
      controller.off('transcriptChanged', update);
      meter.dispose();
    };
  }, [ref]);
  return snapshot;
}
