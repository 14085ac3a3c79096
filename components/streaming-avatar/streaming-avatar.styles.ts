import { css } from 'lit';

// The keyed video (`video.keyed`) stays in the layout, hidden by opacity rather than display: none,
// so its frames keep decoding for the canvas. (A comment inside the css would ship to every page.)
export const styles = css`
  :host {
    display: block;
    position: relative;
    aspect-ratio: 16 / 9;
    overflow: hidden;
    color: var(--avatar-overlay-color, #fff);
    background: var(--avatar-background, #111);
    border-radius: var(--avatar-radius, 12px);
    font: var(--avatar-font, 14px/1.4 system-ui, sans-serif);
  }
  :host([background='chroma-key']) {
    background: var(--avatar-background, transparent);
  }
  [part='stage'],
  video,
  canvas {
    position: absolute;
    inset: 0;
    width: 100%;
    height: 100%;
  }
  video,
  canvas {
    object-fit: contain;
  }
  :host([fit='cover']) video,
  :host([fit='cover']) canvas {
    object-fit: cover;
  }
  video.keyed {
    opacity: 0;
  }
  [part='overlay'] {
    position: absolute;
    inset: 0;
    display: flex;
    flex-direction: column;
    align-items: center;
    justify-content: center;
    gap: 12px;
    padding: 16px;
    text-align: center;
    background: var(--avatar-overlay-background, rgb(0 0 0 / 55%));
  }
  [part='progress'] {
    width: 36px;
    height: 36px;
    border-radius: 50%;
    border: 4px solid rgb(255 255 255 / 30%);
    border-top-color: var(--avatar-accent, #2563eb);
    animation: spin 0.9s linear infinite;
  }
  @media (prefers-reduced-motion: reduce) {
    [part='progress'] {
      animation-duration: 3s;
    }
  }
  @keyframes spin {
    to {
      transform: rotate(1turn);
    }
  }
  button {
    font: inherit;
    padding: 8px 16px;
    border-radius: 8px;
    border: 0;
    color: var(--avatar-button-color, #fff);
    background: var(--avatar-accent, #2563eb);
    cursor: pointer;
  }
  button:focus-visible {
    outline: 3px solid var(--avatar-focus-ring, #ffd24d);
    outline-offset: 2px;
  }
  [part='unmute'] {
    position: absolute;
    left: 50%;
    bottom: 16px;
    transform: translateX(-50%);
  }
  [part='error-message'] {
    max-width: 40ch;
  }
  ::slotted([slot='poster']) {
    position: absolute;
    inset: 0;
    width: 100%;
    height: 100%;
    object-fit: cover;
  }
  [part='connection-quality'] {
    position: absolute;
    top: 8px;
    right: 8px;
    padding: 2px 8px;
    border-radius: 999px;
    font-size: 12px;
    background: var(--avatar-overlay-background, rgba(0, 0, 0, 0.65));
  }
  [part='connection-quality']::before {
    content: '●';
    margin-right: 4px;
    color: var(--avatar-quality-good, #4ade80);
  }
  :host([connection-quality='poor']) [part='connection-quality']::before {
    color: var(--avatar-quality-poor, #facc15);
  }
  :host([connection-quality='lost']) [part='connection-quality']::before {
    color: var(--avatar-quality-lost, #f87171);
  }
  [part='voice-controls'] {
    position: absolute;
    left: 12px;
    bottom: 12px;
    display: flex;
    align-items: center;
    gap: 8px;
  }
  [part='microphone'] {
    touch-action: none;
  }
  [part='input-level'] {
    width: 64px;
  }
  [part='microphone'][aria-pressed='true'] {
    background: var(--avatar-microphone-active, #d92d20);
  }
`;
