/**
 * A QR code as an SVG element, drawn from `qrcode`'s module matrix with DOM
 * calls (no HTML strings, no canvas, no `data:` URL), so it is sharp at any
 * size and passes the page's Content-Security-Policy.
 */
import { create } from 'qrcode';

/** The modules of a QR code as one SVG path, in module units. */
export interface QrPath {
  /** Modules per side, without the quiet zone. */
  readonly size: number;
  /** `M x y h1 v1 h-1 z` per dark module. */
  readonly d: string;
}

/**
 * The path for `text` at error-correction level M (what authenticator apps
 * scan comfortably). Pure, so a test can compare the page's QR with the URI.
 */
export function qrPath(text: string): QrPath {
  const { modules } = create(text, { errorCorrectionLevel: 'M' });
  const parts: string[] = [];
  for (let row = 0; row < modules.size; row++) {
    for (let col = 0; col < modules.size; col++) {
      if (modules.get(row, col)) parts.push(`M${col} ${row}h1v1h-1z`);
    }
  }
  return { size: modules.size, d: parts.join('') };
}

const SVG = 'http://www.w3.org/2000/svg';
/** Four modules of white around the code, as the QR standard asks. */
const QUIET = 4;

/** An `<svg>` showing `text` as a QR code, labelled for screen readers. */
export function qrSvg(text: string, label: string): SVGSVGElement {
  const { size, d } = qrPath(text);
  const svg = document.createElementNS(SVG, 'svg');
  const span = size + 2 * QUIET;
  svg.setAttribute('viewBox', `${-QUIET} ${-QUIET} ${span} ${span}`);
  svg.setAttribute('class', 'qr');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('shape-rendering', 'crispEdges');
  const background = document.createElementNS(SVG, 'rect');
  for (const [name, value] of [['x', -QUIET], ['y', -QUIET], ['width', span], ['height', span]] as const) background.setAttribute(name, String(value));
  background.setAttribute('fill', '#fff');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', d);
  path.setAttribute('fill', '#000');
  svg.append(background, path);
  return svg;
}
