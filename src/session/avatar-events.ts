/**
 * The avatar's data-channel events (contract doc, "Events the avatar sends"): UTF-8 JSON, one
 * object per packet, dispatched on `type`. Unknown types pass through; malformed packets are
 * reported; neither throws.
 */
import * as z from 'zod/mini';

const withTask = { task_id: z.string() };

export const avatarEventSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('avatar_start_talking'), ...withTask }),
  z.looseObject({ type: z.literal('avatar_talking_message'), ...withTask, message: z.string() }),
  z.looseObject({ type: z.literal('avatar_end_message'), ...withTask }),
  z.looseObject({ type: z.literal('avatar_stop_talking'), ...withTask, duration_ms: z.optional(z.number()) }),
  z.looseObject({ type: z.literal('user_talking_message'), ...withTask, message: z.string() }),
  z.looseObject({ type: z.literal('user_end_message'), ...withTask, message: z.optional(z.string()) }),
]);

/**
 * One avatar event. `message` carries the next words being spoken, in order; `duration_ms` of
 * `avatar_stop_talking` is the spoken length in milliseconds. A `user_end_message` may carry the
 * turn's whole text (providers that send a final transcript).
 */
export type AvatarEvent = z.infer<typeof avatarEventSchema>;

/** The event types this toolkit understands. */
export type AvatarEventType = AvatarEvent['type'];

const KNOWN_TYPES = new Set<string>([
  'avatar_start_talking',
  'avatar_talking_message',
  'avatar_end_message',
  'avatar_stop_talking',
  'user_talking_message',
  'user_end_message',
]);

/** What one data packet held. */
export type ParsedPacket =
  | { kind: 'event'; event: AvatarEvent }
  | { kind: 'unknown'; type: string; value: Record<string, unknown> }
  | { kind: 'malformed'; reason: string; text: string };

const decoder = new TextDecoder();

/**
 * Reads one data packet as a JSON object whose `typeField` is a string: `{ value, type, text }`,
 * or the `malformed` packet saying why not. Never throws. Shared by the providers' parsers.
 */
export function readJsonPacket(
  payload: Uint8Array,
  typeField: string,
):
  | { kind: 'json'; value: Record<string, unknown>; type: string; text: string }
  | Extract<ParsedPacket, { kind: 'malformed' }> {
  const text = decoder.decode(payload);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'malformed', reason: 'not JSON', text };
  }
  const type =
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[typeField] : undefined;
  if (typeof type !== 'string') return { kind: 'malformed', reason: `no string "${typeField}" field`, text };
  return { kind: 'json', value: value as Record<string, unknown>, type, text };
}

/** Parses one data packet from the avatar. Never throws. */
export function parseAvatarPacket(payload: Uint8Array): ParsedPacket {
  const packet = readJsonPacket(payload, 'type');
  if (packet.kind === 'malformed') return packet;
  const { value, type, text } = packet;
  if (!KNOWN_TYPES.has(type)) return { kind: 'unknown', type, value };
  const result = avatarEventSchema.safeParse(value);
  if (result.success) return { kind: 'event', event: result.data };
  const fields = result.error.issues.map((issue) => issue.path.join('.')).join(', ');
  return { kind: 'malformed', reason: `${type}: bad field(s) ${fields}`, text };
}
