/**
 * streaming-avatar-kit for React: the elements as components (`StreamingAvatar`,
 * `AvatarCreditMeter`, `AvatarCaptions`) and the `useAvatar` hook. Importing it registers the
 * elements.
 *
 * @module streaming-avatar-kit/react
 */
export { AvatarCaptions, AvatarCreditMeter, StreamingAvatar } from './components.js';
export { type AvatarSnapshot, type UseAvatarOptions, useAvatar } from './use-avatar.js';
