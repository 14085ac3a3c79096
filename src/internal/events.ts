import type { EventEmitter } from 'eventemitter3';

/**
 * Where a part emits its events: the emitter of the object that owns it, whose events include
 * the part's under the same names, so nothing has to pass them on by hand.
 */
export type EventSink<Events extends object> = Pick<EventEmitter<Events>, 'emit'>;
