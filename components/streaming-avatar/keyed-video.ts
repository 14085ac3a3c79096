/**
 * The chroma key of `<streaming-avatar>`'s video (`background="chroma-key"`): a Lit reactive
 * controller that starts the key once there is media to key, follows the key colour, and closes
 * it when the element leaves the page. The key's code loads with the first keyed video.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Avatar } from '../../src/avatar.js';
import type { ChromaKey } from './chroma-key.js';
import type { Rgb } from './keying.js';

/** What the key needs from its element. */
export interface KeyedVideoHost extends ReactiveControllerHost {
  readonly avatar: Avatar;
  readonly background: 'none' | 'chroma-key';
  /** `#rrggbb`; unset: sampled from the frame's border. */
  readonly keyColor: string | undefined;
  readonly isConnected: boolean;
}

/** Keys the element's video onto its canvas while `background="chroma-key"` and media plays. */
export class KeyedVideo implements ReactiveController {
  /** Counts the canvases made: a canvas a worker drew on cannot be drawn on again, so each key gets a new one. */
  canvasGeneration = 0;
  #chromaKey: ChromaKey | undefined;
  /** The video the key reads. */
  #chromaKeyed: HTMLVideoElement | undefined;
  #keyedWith: readonly unknown[] = [];

  /** @param elements The element's video and (while keyed) canvas. */
  constructor(
    private readonly host: KeyedVideoHost,
    private readonly elements: () => { video: HTMLVideoElement; canvas: HTMLCanvasElement | undefined },
  ) {
    host.addController(this);
    host.avatar.on('ended', () => this.#chromaKey?.stop());
  }

  hostUpdated(): void {
    const { background, keyColor, avatar } = this.host;
    // A renewal moves the picture to the element's other video: the key follows it.
    const inputs = [background, keyColor, avatar.media, this.canvasGeneration, this.elements().video];
    if (inputs.every((input, index) => input === this.#keyedWith[index])) return;
    this.#keyedWith = inputs;
    void this.#update();
  }

  hostDisconnected(): void {
    this.#close();
  }

  async #update(): Promise<void> {
    const host = this.host;
    const wanted = () =>
      host.background === 'chroma-key' && host.avatar.media !== undefined && host.isConnected;
    if (!wanted()) {
      this.#close();
      return;
    }
    const { createChromaKey } = await import('./chroma-key.js');
    const { video, canvas } = this.elements();
    if (!wanted() || !canvas) return;
    if (this.#chromaKey && this.#chromaKeyed !== video) {
      this.#close();
      return;
    }
    this.#chromaKeyed = video;
    this.#chromaKey ??= createChromaKey(video, canvas);
    this.#chromaKey.setKeyColor(parseHexColor(host.keyColor));
    this.#chromaKey.start();
  }

  #close(): void {
    if (!this.#chromaKey) return;
    this.#chromaKey.close();
    this.#chromaKey = undefined;
    this.canvasGeneration += 1;
    this.host.requestUpdate();
  }
}

function parseHexColor(value: string | undefined): Rgb | undefined {
  const match = value?.trim().match(/^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i);
  if (!match) return undefined;
  return [Number.parseInt(match[1]!, 16), Number.parseInt(match[2]!, 16), Number.parseInt(match[3]!, 16)];
}
