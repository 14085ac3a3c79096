/**
 * The emulator's stand-in for HeyGen's LLM on `talk` tasks: deterministic, offline, and plain
 * about being the emulator.
 */
export function answer(question: string, knowledgeBase: string | undefined): string {
  const asked = question.trim().replace(/\s+/g, ' ').slice(0, 200);
  const intro = `This is the streaming avatar emulator. You said: ${asked}`;
  if (!knowledgeBase?.trim()) return `${intro}. In the real service, the language model would answer now.`;
  const firstSentence =
    knowledgeBase
      .trim()
      .split(/(?<=[.!?])\s+/)[0]
      ?.slice(0, 300) ?? '';
  return `${intro}. My knowledge base begins: ${firstSentence}`;
}
