import type { TaskSender } from '../../../src/tasks/utterance.js';

/** A server stand-in: records tasks and interrupts; the test plays the avatar's events. */
export function fakeServer() {
  const tasks: { taskId: string; text: string; taskType: string }[] = [];
  let interrupts = 0;
  const sender: TaskSender = {
    async send(text, taskType) {
      const taskId = `task-${tasks.length + 1}`;
      tasks.push({ taskId, text, taskType });
      return { taskId, durationMs: 1000 };
    },
    async interrupt() {
      interrupts += 1;
    },
  };
  return {
    sender,
    tasks,
    get interrupts() {
      return interrupts;
    },
  };
}
