import { AVATAR_CONNECTED_EVENT } from './events.js';
import type { StreamingAvatarElement } from './streaming-avatar/streaming-avatar.js';

/**
 * The `<streaming-avatar>` a companion element follows: the one whose id is `forId`, else the
 * closest one around `element`.
 */
export function findAvatar(element: Element, forId: string | undefined): StreamingAvatarElement | undefined {
  const found = forId ? element.ownerDocument.getElementById(forId) : element.closest('streaming-avatar');
  return found instanceof HTMLElement && found.localName === 'streaming-avatar'
    ? (found as StreamingAvatarElement)
    : undefined;
}

/**
 * Calls `found` once with the `<streaming-avatar>` that `element` follows: at once when it is on
 * the page and defined, else as soon as it connects (also when it is added later).
 * @returns Stops waiting.
 */
export function watchAvatar(
  element: Element,
  forId: string | undefined,
  found: (avatar: StreamingAvatarElement) => void,
): () => void {
  let done = false;
  const document = element.ownerDocument;
  const check = () => {
    const avatar = done ? undefined : findAvatar(element, forId);
    if (!avatar) return;
    done = true;
    document.removeEventListener(AVATAR_CONNECTED_EVENT, check);
    found(avatar);
  };
  document.addEventListener(AVATAR_CONNECTED_EVENT, check);
  void customElements.whenDefined('streaming-avatar').then(check);
  return () => {
    done = true;
    document.removeEventListener(AVATAR_CONNECTED_EVENT, check);
  };
}
