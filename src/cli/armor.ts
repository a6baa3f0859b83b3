/**
 * The text armor of sealed blobs (`--armor`, `-a`): PEM-style (RFC 7468
 * strict form), specified in `docs/seal-format.md`:
 *
 * ```
 * -----BEGIN ZEROVAULT SEALED BLOB-----
 * base64 (RFC 4648 §4, padded), 64 characters a line, the last line 4 to 64
 * -----END ZEROVAULT SEALED BLOB-----
 * ```
 *
 * Lines end in LF (CRLF is accepted when reading); nothing but whitespace
 * may follow the end line. Reading is strict (canonical base64 only, full
 * lines but the last), so one blob has one armor. Both directions stream:
 * memory is one line plus the caller's write.
 *
 * @module
 */
import { CliError } from './errors.js';

/** The first line. */
export const ARMOR_BEGIN = '-----BEGIN ZEROVAULT SEALED BLOB-----';
/** The last line. */
export const ARMOR_END = '-----END ZEROVAULT SEALED BLOB-----';
/** Base64 characters per full line (48 bytes). */
export const ARMOR_LINE = 64;

const BYTES_PER_LINE = (ARMOR_LINE / 4) * 3;
const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;

/** True when `bytes` start like an armored blob (what `open` checks to pick the reader). */
export function looksArmored(bytes: Uint8Array): boolean {
  const begin = '-----BEGIN';
  for (let i = 0; i < begin.length; i++) if (bytes[i] !== begin.charCodeAt(i)) return false;
  return true;
}

/** Streaming armor writer: `write` and `end` return the text to emit, as UTF-8 bytes. */
export class ArmorWriter {
  #pending = new Uint8Array(0);
  #started = false;

  /** Armor for `input` (whole lines only; the rest waits for more). */
  write(input: Uint8Array): Uint8Array {
    const all = this.#pending.length === 0 ? input : Buffer.concat([this.#pending, input]);
    const whole = all.length - (all.length % BYTES_PER_LINE);
    // Keep at least one byte back: the last line is written by `end`, which must not be empty.
    const cut = whole === all.length ? whole - BYTES_PER_LINE : whole;
    this.#pending = Uint8Array.from(all.subarray(Math.max(cut, 0)));
    return this.#lines(all.subarray(0, Math.max(cut, 0)), false);
  }

  /** The last line and the end line. */
  end(): Uint8Array {
    return this.#lines(this.#pending, true);
  }

  #lines(bytes: Uint8Array, last: boolean): Uint8Array {
    let text = '';
    if (!this.#started) {
      text += `${ARMOR_BEGIN}\n`;
      this.#started = true;
    }
    for (let offset = 0; offset < bytes.length; offset += BYTES_PER_LINE) {
      text += `${Buffer.from(bytes.buffer, bytes.byteOffset + offset, Math.min(BYTES_PER_LINE, bytes.length - offset)).toString('base64')}\n`;
    }
    if (last) text += `${ARMOR_END}\n`;
    return Buffer.from(text, 'latin1');
  }
}

function invalid(what: string, line: number): CliError {
  return new CliError(`invalid armor: ${what} (line ${line})`);
}

/**
 * Streaming armor reader: `write` takes armored text (bytes), returns the
 * blob bytes it completes; `end` checks the armor was complete.
 */
export class ArmorReader {
  #text = '';
  #line = 0;
  #state: 'begin' | 'body' | 'end' | 'done' = 'begin';
  #short = false;

  /** Blob bytes from the complete lines of `input`. */
  write(input: Uint8Array): Uint8Array {
    this.#text += Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
    const out: Buffer[] = [];
    let newline: number;
    while ((newline = this.#text.indexOf('\n')) >= 0) {
      let line = this.#text.slice(0, newline);
      this.#text = this.#text.slice(newline + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      const bytes = this.#take(line);
      if (bytes !== undefined) out.push(bytes);
    }
    if (this.#state !== 'done' && this.#text.length > ARMOR_END.length + 1 && this.#text.length > ARMOR_LINE + 1) {
      throw invalid('a line is too long', this.#line + 1);
    }
    return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
  }

  /** Checks that the armor ended properly. */
  end(): void {
    if (this.#text.length > 0) {
      const bytes = this.#take(this.#text.endsWith('\r') ? this.#text.slice(0, -1) : this.#text);
      this.#text = '';
      if (bytes !== undefined && bytes.length > 0) throw invalid('the end line is missing', this.#line + 1);
    }
    if (this.#state === 'begin') throw invalid('no begin line', 1);
    if (this.#state !== 'done') throw invalid('the armor is truncated: no end line', this.#line + 1);
  }

  #take(line: string): Buffer | undefined {
    this.#line += 1;
    switch (this.#state) {
      case 'begin':
        if (line !== ARMOR_BEGIN) throw invalid(`the first line must be ${ARMOR_BEGIN}`, this.#line);
        this.#state = 'body';
        return undefined;
      case 'body':
        if (line === ARMOR_END) {
          if (this.#line === 2) throw invalid('no data between the begin and end lines', this.#line);
          this.#state = 'done';
          return undefined;
        }
        return this.#body(line);
      case 'end':
        if (line !== ARMOR_END) throw invalid('a full line follows a short one, or the end line is missing', this.#line);
        this.#state = 'done';
        return undefined;
      case 'done':
        if (line.trim() !== '') throw invalid('data after the end line', this.#line);
        return undefined;
    }
  }

  #body(line: string): Buffer {
    if (this.#short) throw invalid('a line follows a short line', this.#line);
    if (line.length > ARMOR_LINE) throw invalid(`a line is longer than ${ARMOR_LINE} characters`, this.#line);
    if (line.length === 0 || line.length % 4 !== 0 || !BASE64_LINE.test(line)) throw invalid('a line is not canonical base64', this.#line);
    if (line.length < ARMOR_LINE) {
      this.#short = true;
      this.#state = 'end';
    } else if (line.includes('=')) {
      throw invalid('padding inside the armor', this.#line);
    }
    const bytes = Buffer.from(line, 'base64');
    // Canonical: the padding bits are zero (re-encoding gives the same text).
    if (bytes.toString('base64') !== line) throw invalid('a line is not canonical base64', this.#line);
    return bytes;
  }
}
