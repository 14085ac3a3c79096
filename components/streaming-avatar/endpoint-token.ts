/** The element's session tokens: `fromEndpoint`, loaded on the first start rather than with the page. */
import type { SessionTokenSource } from '../../src/tokens.js';

/**
 * A source of session tokens from the page's endpoint `url` (`fromEndpoint`), whose client `load`
 * brings on first use, beside the session machinery.
 */
export function lazyEndpointToken(
  load: () => Promise<typeof import('../../src/tokens.js')>,
): (url: string) => SessionTokenSource {
  return (url) => {
    const client = () => load().then(({ fromEndpoint }) => fromEndpoint(url));
    return Object.assign((signal: AbortSignal) => client().then((provide) => provide(signal)), {
      reportSession: (sessionId: string, token: string) =>
        client().then((source) => source.reportSession?.(sessionId, token)),
      // Loaded by then (the session started with it): the request goes out before the page is gone.
      endSessionOnUnload: (sessionId: string, token: string) =>
        void client().then((source) => source.endSessionOnUnload?.(sessionId, token)),
    });
  };
}
