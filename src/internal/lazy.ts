import { StreamingAvatarError } from '../errors.js';

/**
 * A module loaded on first use, once. A failed load (the page went offline) rejects with a
 * `network` error and is tried again on the next call.
 */
export function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= load().catch((cause: unknown) => {
      loading = undefined;
      throw new StreamingAvatarError(
        'network',
        'The avatar’s code could not be loaded; check the connection.',
        {
          cause,
        },
      );
    }));
}
