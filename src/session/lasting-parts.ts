/** What outlives one session behind an avatar: its task queue and its voice conversation. */
import type { Clock } from '../internal/clock.js';
import type { EventSink } from '../internal/events.js';
import { TaskQueue } from '../tasks/task-queue.js';
import type { UtteranceEvents } from '../tasks/utterance.js';
import { Conversation, type ConversationEvents } from '../voice/conversation.js';

/** What outlives one session: the utterances and the voice conversation, owned by the avatar. */
export interface LastingParts {
  queue: TaskQueue;
  conversation: Conversation;
}

/** The avatar's queue and conversation, emitting into `events`. */
export function lastingParts(
  events: EventSink<UtteranceEvents & ConversationEvents>,
  clock: Clock,
): LastingParts {
  return { queue: new TaskQueue(events, clock), conversation: new Conversation(events, clock) };
}
