import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    font: 16px/1.5 system-ui, sans-serif;
  }
  [part='region'] {
    max-height: var(--captions-max-height, 12em);
    overflow-y: auto;
  }
  [part~='caption'] {
    margin: 0 0 4px;
    padding: 4px 8px;
    border-radius: 6px;
    color: var(--captions-color, #fff);
    background: var(--captions-background, rgb(0 0 0 / 70%));
  }
`;
