import type { StreamingAvatarElement } from './streaming-avatar/streaming-avatar.js';

/**
 * The `<streaming-avatar>` a companion element follows: the one whose id is `forId`, else the
 * closest one around `element`.
 */
export function findAvatar(element: Element, forId: string | undefined): StreamingAvatarElement | undefined {
  const found = forId ? element.ownerDocument.getElementById(forId) : element.closest('streaming-avatar');
  return (found as StreamingAvatarElement | null) ?? undefined;
}
