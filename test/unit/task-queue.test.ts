import { EventEmitter } from 'eventemitter3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StreamingAvatarError, UtteranceError } from '../../src/errors.js';
import { TaskQueue } from '../../src/tasks/task-queue.js';
import type { UtteranceEvents } from '../../src/tasks/utterance.js';
import { FakeClock, settle } from './fakes/clock.js';
import { fakeServer } from './fakes/task-server.js';

function speakAll(queue: TaskQueue, taskId: string, words: string[]) {
  queue.handleAvatarEvent({ type: 'avatar_start_talking', task_id: taskId });
  for (const message of words)
    queue.handleAvatarEvent({ type: 'avatar_talking_message', task_id: taskId, message });
  queue.handleAvatarEvent({ type: 'avatar_end_message', task_id: taskId });
  queue.handleAvatarEvent({ type: 'avatar_stop_talking', task_id: taskId, duration_ms: 100 });
}

const events = () => new EventEmitter<UtteranceEvents>();

const longText = 'This sentence is exactly long enough to matter here. '.repeat(50).trim();

describe('TaskQueue', () => {
  it('sends a long text as ordered ≤1,000-character tasks and settles when the last one is spoken', async () => {
    const server = fakeServer();
    const queue = new TaskQueue(events());
    queue.attach(server.sender);
    const utterance = queue.speak(longText);
    await settle();
    expect(utterance.pieces.length).toBe(3);
    // Only the first piece goes out until it starts playing.
    expect(server.tasks.map((task) => task.text)).toEqual([utterance.pieces[0]]);

    queue.handleAvatarEvent({ type: 'avatar_start_talking', task_id: 'task-1' });
    await settle();
    expect(server.tasks).toHaveLength(2);

    let settled = false;
    void utterance.done.then(() => (settled = true));
    queue.handleAvatarEvent({ type: 'avatar_stop_talking', task_id: 'task-1' });
    speakAll(queue, 'task-2', []);
    await settle();
    expect(server.tasks.map((task) => task.text)).toEqual(utterance.pieces);
    expect(settled).toBe(false);
    speakAll(queue, 'task-3', []);
    await utterance.done;
    expect(utterance.status).toBe('ended');
    expect(utterance.taskIds).toEqual(['task-1', 'task-2', 'task-3']);
  });

  it('joins the pieces’ spoken words with the whitespace the text had between them', async () => {
    const server = fakeServer();
    const queue = new TaskQueue(events());
    queue.attach(server.sender);
    const utterance = queue.speak(longText);
    for (const [index, piece] of utterance.pieces.entries()) {
      await settle();
      speakAll(queue, `task-${index + 1}`, [piece]);
    }
    await utterance.done;
    expect(utterance.spokenText).toBe(longText);
  });

  it('holds utterances until a session is attached', async () => {
    const server = fakeServer();
    const queue = new TaskQueue(events());
    queue.speak('Hello.');
    await settle();
    expect(server.tasks).toHaveLength(0);
    queue.attach(server.sender);
    await settle();
    expect(server.tasks[0]?.text).toBe('Hello.');
  });

  it('reports start, progress and end per utterance, in order', async () => {
    const server = fakeServer();
    const emitter = events();
    const queue = new TaskQueue(emitter);
    const seen: string[] = [];
    emitter.on('utteranceQueued', (u) => seen.push(`queued ${u.id}`));
    emitter.on('utteranceStarted', (u, taskId) => seen.push(`started ${u.id} ${taskId}`));
    emitter.on('utteranceProgress', (u) => seen.push(`progress ${u.spokenText}`));
    emitter.on('utteranceEnded', (u) => seen.push(`ended ${u.id}`));
    queue.attach(server.sender);
    const first = queue.speak('Hello world.');
    const second = queue.speak('Bye.');
    await settle();
    speakAll(queue, 'task-1', ['Hello ', 'world.']);
    await settle();
    speakAll(queue, 'task-2', ['Bye.']);
    await Promise.all([first.done, second.done]);
    expect(seen).toEqual([
      `queued ${first.id}`,
      `queued ${second.id}`,
      `started ${first.id} task-1`,
      'progress Hello ',
      'progress Hello world.',
      `ended ${first.id}`,
      `started ${second.id} task-2`,
      'progress Bye.',
      `ended ${second.id}`,
    ]);
  });

  it('copes with events that arrive before the task call returns', async () => {
    const queue = new TaskQueue(events());
    let release: (id: string) => void = () => undefined;
    queue.attach({
      send: () =>
        new Promise((resolve) => (release = (taskId: string) => resolve({ taskId, durationMs: 500 }))),
      interrupt: async () => undefined,
    });
    const utterance = queue.speak('Quick.');
    await settle();
    speakAll(queue, 'task-early', ['Quick.']);
    release('task-early');
    await utterance.done;
    expect(utterance.spokenText).toBe('Quick.');
  });

  it('interrupt empties the queue, calls the server once and settles every utterance as interrupted', async () => {
    const server = fakeServer();
    const queue = new TaskQueue(events());
    queue.attach(server.sender);
    const speaking = queue.speak('First one.');
    const waiting = queue.speak('Second one.');
    await settle();
    queue.handleAvatarEvent({ type: 'avatar_start_talking', task_id: 'task-1' });
    await queue.interrupt();
    await expect(speaking.done).rejects.toMatchObject({ code: 'interrupted', utteranceId: speaking.id });
    await expect(waiting.done).rejects.toBeInstanceOf(UtteranceError);
    expect(server.interrupts).toBe(1);
    expect(queue.utterances).toEqual([]);
    await queue.onIdle();
    // Late events of the cut task change nothing.
    queue.handleAvatarEvent({ type: 'avatar_stop_talking', task_id: 'task-1' });
    expect(speaking.status).toBe('interrupted');
  });

  it('cancel of a queued utterance removes it without touching the speech', async () => {
    const server = fakeServer();
    const queue = new TaskQueue(events());
    queue.attach(server.sender);
    const first = queue.speak('First.');
    const second = queue.speak('Second.');
    const third = queue.speak('Third.');
    await settle();
    await queue.cancel(second.id);
    await expect(second.done).rejects.toMatchObject({ code: 'cancelled' });
    speakAll(queue, 'task-1', []);
    await settle();
    speakAll(queue, 'task-2', []);
    await Promise.all([first.done, third.done]);
    expect(server.tasks.map((task) => task.text)).toEqual(['First.', 'Third.']);
    expect(server.interrupts).toBe(0);
  });

  it('cancel of the utterance being spoken interrupts it and the next one still plays, sent once more', async () => {
    const server = fakeServer();
    const queue = new TaskQueue(events());
    queue.attach(server.sender);
    const first = queue.speak('First.');
    const second = queue.speak('Second.');
    await settle();
    queue.handleAvatarEvent({ type: 'avatar_start_talking', task_id: 'task-1' });
    await settle();
    expect(server.tasks.map((task) => task.text)).toEqual(['First.', 'Second.']);
    await queue.cancel(first.id);
    await settle();
    expect(server.interrupts).toBe(1);
    // "Second." was waiting at the server and went with the interrupt: it is sent again.
    expect(server.tasks.map((task) => task.text)).toEqual(['First.', 'Second.', 'Second.']);
    speakAll(queue, 'task-3', []);
    await second.done;
  });

  it('cuts a cancelled piece that was already waiting at the server the moment it starts', async () => {
    const server = fakeServer();
    const queue = new TaskQueue(events());
    queue.attach(server.sender);
    queue.speak('First.');
    const second = queue.speak('Second.');
    const third = queue.speak('Third.');
    await settle();
    queue.handleAvatarEvent({ type: 'avatar_start_talking', task_id: 'task-1' });
    await settle();
    await queue.cancel(second.id);
    expect(server.interrupts).toBe(0);
    queue.handleAvatarEvent({ type: 'avatar_stop_talking', task_id: 'task-1' });
    queue.handleAvatarEvent({ type: 'avatar_start_talking', task_id: 'task-2' });
    await settle();
    expect(server.interrupts).toBe(1);
    expect(server.tasks.at(-1)?.text).toBe('Third.');
    speakAll(queue, `task-${server.tasks.length}`, []);
    await third.done;
  });

  it('fails only the utterance whose task could not be sent', async () => {
    const queue = new TaskQueue(events());
    let calls = 0;
    queue.attach({
      send: async () => {
        calls += 1;
        if (calls === 1) throw new Error('rate limited');
        return { taskId: 'task-2', durationMs: 500 };
      },
      interrupt: async () => undefined,
    });
    const failed = queue.speak('One.');
    const next = queue.speak('Two.');
    await expect(failed.done).rejects.toThrow('rate limited');
    await settle();
    speakAll(queue, 'task-2', []);
    await next.done;
    expect(failed.status).toBe('failed');
  });

  it('onIdle resolves at once when nothing is queued and later when the queue drains', async () => {
    const server = fakeServer();
    const queue = new TaskQueue(events());
    await queue.onIdle();
    queue.attach(server.sender);
    queue.speak('Hi.');
    let idle = false;
    void queue.onIdle().then(() => (idle = true));
    await settle();
    expect(idle).toBe(false);
    speakAll(queue, 'task-1', []);
    await settle();
    expect(idle).toBe(true);
  });

  it('onIdle resolves when the last utterance is cancelled', async () => {
    const queue = new TaskQueue(events());
    const only = queue.speak('Never mind.');
    let idle = false;
    void queue.onIdle().then(() => (idle = true));
    await queue.cancel(only.id);
    await settle();
    expect(idle).toBe(true);
  });

  it('close settles everything as interrupted and fails later utterances as session_closed', async () => {
    const queue = new TaskQueue(events());
    const utterance = queue.speak('Never sent.');
    queue.close(new StreamingAvatarError('session_closed', 'The session has ended.'));
    await expect(utterance.done).rejects.toMatchObject({ code: 'interrupted' });
    const late = queue.speak('Too late.');
    await expect(late.done).rejects.toMatchObject({ code: 'session_closed' });
    expect(late.status).toBe('failed');
  });
});

describe('TaskQueue when the server fails', () => {
  function failingInterrupt() {
    const server = fakeServer();
    const error = new Error('interrupt failed (HTTP 400)');
    server.sender.interrupt = async () => {
      throw error;
    };
    return { server, error };
  }

  it('cancel never throws when streaming.interrupt fails, and the rest still plays, each piece once', async () => {
    const { server, error } = failingInterrupt();
    const emitter = events();
    const failures: unknown[] = [];
    emitter.on('interruptFailed', (caught) => failures.push(caught));
    const queue = new TaskQueue(emitter);
    queue.attach(server.sender);
    const utterances = Array.from({ length: 20 }, (_, i) => queue.speak(`Sentence ${i}.`));
    await settle();
    queue.handleAvatarEvent({ type: 'avatar_start_talking', task_id: 'task-1' });
    await settle();
    await expect(queue.cancel(utterances[0]!.id)).resolves.toBe(true);
    expect(failures).toEqual([error]);
    await expect(utterances[0]!.done).rejects.toMatchObject({ code: 'cancelled' });
    // The server kept "Sentence 0." and "Sentence 1.": play them out, then the rest follows.
    for (let task = 1; task <= 20; task++) {
      queue.handleAvatarEvent({ type: 'avatar_start_talking', task_id: `task-${task}` });
      await settle();
      queue.handleAvatarEvent({ type: 'avatar_stop_talking', task_id: `task-${task}` });
      await settle();
    }
    await Promise.all(utterances.slice(1).map((utterance) => utterance.done));
    const texts = server.tasks.map((task) => task.text);
    expect(texts).toHaveLength(20);
    expect(new Set(texts).size).toBe(20);
  });

  it('a doomed piece that starts while streaming.interrupt fails raises nothing unhandled', async () => {
    const { server } = failingInterrupt();
    const queue = new TaskQueue(events());
    queue.attach(server.sender);
    queue.speak('First.');
    const second = queue.speak('Second.');
    const third = queue.speak('Third.');
    await settle();
    queue.handleAvatarEvent({ type: 'avatar_start_talking', task_id: 'task-1' });
    await settle();
    await queue.cancel(second.id);
    queue.handleAvatarEvent({ type: 'avatar_stop_talking', task_id: 'task-1' });
    queue.handleAvatarEvent({ type: 'avatar_start_talking', task_id: 'task-2' });
    await settle();
    queue.handleAvatarEvent({ type: 'avatar_stop_talking', task_id: 'task-2' });
    await settle();
    speakAll(queue, 'task-3', []);
    await third.done;
    expect(server.tasks.map((task) => task.text)).toEqual(['First.', 'Second.', 'Third.']);
  });

  it('interrupt rejects with the server error but settles every utterance', async () => {
    const { server, error } = failingInterrupt();
    const queue = new TaskQueue(events());
    queue.attach(server.sender);
    const first = queue.speak('First.');
    const second = queue.speak('Second.');
    await settle();
    await expect(queue.interrupt()).rejects.toBe(error);
    await expect(first.done).rejects.toMatchObject({ code: 'interrupted' });
    await expect(second.done).rejects.toMatchObject({ code: 'interrupted' });
    await queue.onIdle();
  });

  it('an utterance whose avatar events never come fails with a timeout from its expected length', async () => {
    const clock = new FakeClock();
    const server = fakeServer();
    const queue = new TaskQueue(events(), clock);
    queue.attach(server.sender);
    const silent = queue.speak('Nobody hears this.');
    const next = queue.speak('But this one plays.');
    await settle();
    let settled = false;
    silent.done.catch(() => (settled = true));
    // 1,000 ms expected: given up after 2 × 1,000 ms + 10,000 ms.
    await clock.advance(11_999);
    expect(settled).toBe(false);
    await clock.advance(1);
    await expect(silent.done).rejects.toMatchObject({ code: 'timeout' });
    expect(server.tasks.map((task) => task.text)).toEqual(['Nobody hears this.', 'But this one plays.']);
    speakAll(queue, 'task-2', []);
    await next.done;
    expect(clock.pendingTimers).toBe(0);
  });

  it('the watchdog restarts on every event, so a long speech is not cut', async () => {
    const clock = new FakeClock();
    const server = fakeServer();
    const queue = new TaskQueue(events(), clock);
    queue.attach(server.sender);
    const utterance = queue.speak('A long speech.');
    await settle();
    queue.handleAvatarEvent({ type: 'avatar_start_talking', task_id: 'task-1' });
    for (let i = 0; i < 10; i++) {
      await clock.advance(10_000);
      queue.handleAvatarEvent({ type: 'avatar_talking_message', task_id: 'task-1', message: 'word ' });
    }
    queue.handleAvatarEvent({ type: 'avatar_stop_talking', task_id: 'task-1' });
    await utterance.done;
  });

  it('speaking events cover all speech: the page’s utterances once each, answers it did not queue, cut or not', async () => {
    const server = fakeServer();
    const emitter = events();
    const seen: string[] = [];
    emitter.on('speakingStarted', (speech) =>
      seen.push(`start ${speech.source} ${speech.taskId} ${speech.utteranceId ?? '-'}`),
    );
    emitter.on('speakingEnded', (speech, interrupted) =>
      seen.push(`end ${speech.source} ${speech.taskId}${interrupted ? ' interrupted' : ''}`),
    );
    let audio = false;
    const queue = new TaskQueue(emitter);
    queue.otherSpeechSource = () => (audio ? 'audio' : 'voice');
    queue.attach(server.sender);

    const long = queue.speak(longText);
    for (const [index] of long.pieces.entries()) {
      await settle();
      speakAll(queue, `task-${index + 1}`, []);
    }
    await long.done;
    const talk = queue.speak('What is new?', { taskType: 'talk' });
    await settle();
    speakAll(queue, 'task-4', []);
    await talk.done;
    // Dropped before it was spoken: no speech, so no speaking event.
    const dropped = queue.speak('Never said.');
    await queue.cancel(dropped.id);

    speakAll(queue, 'answer-1', []);
    // A new answer starting ends the one before, even when its stop event was lost.
    queue.handleAvatarEvent({ type: 'avatar_start_talking', task_id: 'answer-2' });
    audio = true;
    queue.handleAvatarEvent({ type: 'avatar_start_talking', task_id: 'audio-1' });
    await queue.interrupt();
    expect(server.interrupts).toBe(1);
    expect(seen).toEqual([
      `start repeat task-1 ${long.id}`,
      'end repeat task-1',
      `start talk task-4 ${talk.id}`,
      'end talk task-4',
      'start voice answer-1 -',
      'end voice answer-1',
      'start voice answer-2 -',
      'end voice answer-2',
      'start audio audio-1 -',
      'end audio audio-1 interrupted',
    ]);
  });

  it('a lost stop event loses no utterance and settles none twice', async () => {
    const { clock, server, queue, settlements } = countingQueue();
    const utterances = [longText.slice(0, 1500), 'One.', 'Two.', 'Three.', 'Four.'].map((text) =>
      queue.speak(text),
    );
    expect(utterances[0]!.pieces).toHaveLength(2);
    await playLikeTheAvatar(queue, server, clock, (taskIndex) => taskIndex === 0);
    for (const utterance of utterances) await utterance.done;
    expect(server.tasks.map((task) => task.text)).toEqual(
      utterances.flatMap((utterance) => utterance.pieces),
    );
    expect([...settlements.values()]).toEqual([1, 1, 1, 1, 1]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('with any stop events lost, every utterance is sent once and settles exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('Short one.', longText.slice(0, 1500), longText.slice(0, 2500)), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
        async (texts, lost) => {
          const { clock, server, queue, settlements } = countingQueue();
          const utterances = texts.map((text) => queue.speak(text));
          await playLikeTheAvatar(queue, server, clock, (taskIndex) => lost[taskIndex] ?? false);
          const outcomes = await Promise.allSettled(utterances.map((utterance) => utterance.done));
          expect(outcomes).toHaveLength(texts.length);
          expect(server.tasks.map((task) => task.text)).toEqual(
            utterances.flatMap((utterance) => utterance.pieces),
          );
          expect([...settlements.values()]).toEqual(utterances.map(() => 1));
          expect(queue.idle).toBe(true);
          expect(clock.pendingTimers).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});

/** A queue on a fake clock and server that counts how many times each utterance settles. */
function countingQueue() {
  const clock = new FakeClock();
  const server = fakeServer();
  const emitter = events();
  const settlements = countSettlements(emitter);
  const queue = new TaskQueue(emitter, clock);
  queue.attach(server.sender);
  return { clock, server, queue, settlements };
}

/** How many times each utterance settled, by id, from the queue's events. */
function countSettlements(emitter: EventEmitter<UtteranceEvents>): Map<string, number> {
  const counts = new Map<string, number>();
  const count = (utterance: { id: string }) => counts.set(utterance.id, (counts.get(utterance.id) ?? 0) + 1);
  emitter.on('utteranceEnded', count);
  emitter.on('utteranceFailed', count);
  emitter.on('utteranceInterrupted', count);
  emitter.on('utteranceCancelled', count);
  return counts;
}

/**
 * Plays the tasks in the order they were sent, as the avatar does, dropping the stop event of the
 * tasks `loseStop` picks; when nothing is left to play, lets the watchdogs run out.
 */
async function playLikeTheAvatar(
  queue: TaskQueue,
  server: ReturnType<typeof fakeServer>,
  clock: FakeClock,
  loseStop: (taskIndex: number) => boolean,
): Promise<void> {
  let played = 0;
  for (let idleRounds = 0; idleRounds < 3; ) {
    await settle();
    const task = server.tasks[played];
    if (!task) {
      if (queue.idle) return;
      idleRounds += 1;
      await clock.advance(60_000);
      continue;
    }
    idleRounds = 0;
    queue.handleAvatarEvent({ type: 'avatar_start_talking', task_id: task.taskId });
    queue.handleAvatarEvent({ type: 'avatar_talking_message', task_id: task.taskId, message: task.text });
    await settle();
    if (!loseStop(played)) queue.handleAvatarEvent({ type: 'avatar_stop_talking', task_id: task.taskId });
    played += 1;
  }
}
