import { expect } from '@esm-bundle/chai';
import { Avatar, chunkText } from '../../src/index.js';
import { FakeProvider, FakeTransport } from '../unit/fakes/session-parts.js';

describe('core in Chromium', () => {
  it('chunkText cuts Chromium’s own sentence and grapheme boundaries the same way', () => {
    const text = `今日はいい天気ですね。散歩に行きましょう。👨‍👩‍👧‍👦 family. ${'Word '.repeat(300)}`;
    const pieces = chunkText(text);
    expect(pieces[0]).to.equal('今日はいい天気ですね。散歩に行きましょう。👨‍👩‍👧‍👦 family.');
    for (const piece of pieces) expect(piece.length).to.be.at.most(1000);
    expect(pieces.join(' ').replace(/\s+/g, ' ')).to.equal(text.trim().replace(/\s+/g, ' '));
  });

  it('stops a connected session when the page fires pagehide', async () => {
    const provider = new FakeProvider();
    const session = new Avatar({
      token: async () => 'token',
      provider: () => provider,
      transport: async () => new FakeTransport(),
    });
    await session.start();
    window.dispatchEvent(new PageTransitionEvent('pagehide'));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(provider.unloadStops).to.deep.equal(['session-1']);
    expect(session.state).to.equal('closed');
  });

  it('loads its LiveKit transport while the session token is still being fetched', async () => {
    // An observer sees every resource (the timeline's buffer may be full of the test's own modules).
    const fetched: string[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) fetched.push(entry.name);
    });
    observer.observe({ type: 'resource', buffered: true });
    // The module that brings livekit-client (already loaded by this page's fakes).
    const loaded = () => fetched.some((name) => name.includes('livekit-transport'));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(loaded(), 'the transport before any start').to.equal(false);
    let tokenAsked!: () => void;
    const asked = new Promise<void>((resolve) => (tokenAsked = resolve));
    const session = new Avatar({
      token: (signal) =>
        new Promise((_resolve, reject) => {
          tokenAsked();
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
      provider: () => new FakeProvider(),
    });
    const starting = session.start().catch(() => undefined);
    await asked;
    await until(loaded);
    expect(session.phase).to.equal('token');
    observer.disconnect();
    await session.stop();
    await starting;
  });
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}
