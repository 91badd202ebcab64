import { encodePng } from './encode-png.js';

/** The accent colour of the app: the colour icon's background and the manifest's accentColor. */
export const ACCENT_COLOR = '#1F6FEB';

type Rgba = readonly [number, number, number, number];

const WHITE: Rgba = [255, 255, 255, 255];

function hexToRgba(hex: string): Rgba {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255, 255];
}

class Raster {
  readonly pixels: Uint8Array;

  constructor(
    readonly size: number,
    background: Rgba = [0, 0, 0, 0],
  ) {
    this.pixels = new Uint8Array(size * size * 4);
    this.fill(0, 0, size, size, background);
  }

  /** Fills a rectangle given in fractions of the icon's size. */
  fill(x: number, y: number, w: number, h: number, color: Rgba): void {
    const [x0, y0, x1, y1] = [x, y, x + w, y + h].map((v) => Math.round(v));
    for (let py = Math.max(0, y0!); py < Math.min(this.size, y1!); py++) {
      for (let px = Math.max(0, x0!); px < Math.min(this.size, x1!); px++) {
        this.pixels.set(color, (py * this.size + px) * 4);
      }
    }
  }

  png(): Buffer {
    return encodePng(this.size, this.size, this.pixels);
  }
}

/** The mark: an "H" whose bar is a link between two posts, in fractions of the icon. */
function drawMark(raster: Raster, inset: number, color: Rgba): void {
  const s = raster.size;
  const span = s - 2 * inset;
  const post = span * 0.22;
  raster.fill(inset, inset, post, span, color);
  raster.fill(s - inset - post, inset, post, span, color);
  raster.fill(inset + post, inset + span * 0.41, span - 2 * post, span * 0.18, color);
}

/** The colour icon: 192×192, the mark in white on the accent colour. */
export function drawColorIcon(): Buffer {
  const raster = new Raster(192, hexToRgba(ACCENT_COLOR));
  drawMark(raster, 48, WHITE);
  return raster.png();
}

/** The outline icon: 32×32, the mark in white on a transparent background. */
export function drawOutlineIcon(): Buffer {
  const raster = new Raster(32);
  drawMark(raster, 4, WHITE);
  return raster.png();
}
