import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    font: 14px/1.4 system-ui, sans-serif;
    color: inherit;
  }
  [part='figures'] {
    display: flex;
    flex-wrap: wrap;
    gap: 4px 16px;
    font-variant-numeric: tabular-nums;
  }
  dt {
    font-size: 12px;
    opacity: 0.75;
  }
  dd {
    margin: 0;
    font-weight: 600;
  }
  progress {
    width: 100%;
    height: 8px;
    accent-color: var(--meter-accent, #2563eb);
  }
  :host([warning]) progress {
    accent-color: var(--meter-warning, #e5484d);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
