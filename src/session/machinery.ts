/** The session machinery the avatar loads on its first start (or on `preload()`). */
export { preloadTransport } from './connect.js';
export { lastingParts } from './lasting-parts.js';
export { SessionLifetime } from './lifetime.js';
export { SessionRenewal } from './renewal.js';
export { SessionEngine } from './session-engine.js';
