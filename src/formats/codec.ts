/**
 * Canonical binary encoding helpers of the wire formats (frames, key events,
 * grants, membership lists, pins): big-endian integers, length-prefixed
 * strings, and a strict reader that refuses short input, trailing bytes and
 * malformed UTF-8.
 *
 * @module
 */
import { concat, fromUtf8, utf8 } from '../crypto/bytes.js';
import { ZeroVaultError } from '../errors.js';

/** `u8(n)`. */
export function u8(n: number): Uint8Array {
  return Uint8Array.of(n & 0xff);
}

/** `u16(n)`, big-endian. */
export function u16(n: number): Uint8Array {
  return Uint8Array.of((n >>> 8) & 0xff, n & 0xff);
}

/** `u32(n)`, big-endian. */
export function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n >>> 0);
  return out;
}

/** `u64(n)`, big-endian, for safe integers. */
export function u64(n: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(n / 2 ** 32));
  view.setUint32(4, n >>> 0);
  return out;
}

/** `u32(len(x)) || x`: the length prefix of every AAD and signed message here. */
export function lp(bytes: Uint8Array): Uint8Array {
  return concat(u32(bytes.length), bytes);
}

/** `u8(len(s)) || utf8(s)` for a string of 1..255 UTF-8 bytes. */
export function str8(text: string, name: string): Uint8Array {
  const bytes = utf8(text);
  if (bytes.length === 0 || bytes.length > 255) throw new ZeroVaultError('INVALID_INPUT', `${name} must be 1 to 255 UTF-8 bytes`);
  return concat(u8(bytes.length), bytes);
}

/** `label || 0x00 || body`: the domain-separated message every signature here covers. */
export function labelled(label: string, ...parts: readonly Uint8Array[]): Uint8Array {
  return concat(utf8(label), Uint8Array.of(0), ...parts);
}

/** Bytewise order (shorter first on a common prefix): the canonical order of ids. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** A strict cursor over bytes. Every short read throws the error `bad()` makes. */
export class Reader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #bad: () => ZeroVaultError;
  #offset = 0;

  /** @param bad - makes the error thrown for malformed input (one per format) */
  constructor(bytes: Uint8Array, bad: () => ZeroVaultError) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#bad = bad;
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.#offset;
  }

  /** Bytes left. */
  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  #need(n: number): void {
    if (this.#offset + n > this.#bytes.length) throw this.#bad();
  }

  /** One byte. */
  u8(): number {
    this.#need(1);
    return this.#bytes[this.#offset++] as number;
  }

  /** A big-endian u16. */
  u16(): number {
    this.#need(2);
    const n = this.#view.getUint16(this.#offset);
    this.#offset += 2;
    return n;
  }

  /** A big-endian u32. */
  u32(): number {
    this.#need(4);
    const n = this.#view.getUint32(this.#offset);
    this.#offset += 4;
    return n;
  }

  /** A big-endian u64 that must be a safe integer. */
  u64(): number {
    this.#need(8);
    const n = this.#view.getUint32(this.#offset) * 2 ** 32 + this.#view.getUint32(this.#offset + 4);
    if (!Number.isSafeInteger(n)) throw this.#bad();
    this.#offset += 8;
    return n;
  }

  /** `n` bytes, copied. */
  bytes(n: number): Uint8Array {
    this.#need(n);
    const out = this.#bytes.slice(this.#offset, this.#offset + n);
    this.#offset += n;
    return out;
  }

  /** A `u8`-length-prefixed UTF-8 string of 1..255 bytes. */
  str8(): string {
    const n = this.u8();
    if (n === 0) throw this.#bad();
    return this.#text(n);
  }

  /** A `u16`-length-prefixed UTF-8 string of 1..65535 bytes. */
  str16(): string {
    const n = this.u16();
    if (n === 0) throw this.#bad();
    return this.#text(n);
  }

  #text(n: number): string {
    const raw = this.bytes(n);
    try {
      return fromUtf8(raw);
    } catch {
      throw this.#bad();
    }
  }

  /** Asserts the input is fully consumed (no trailing bytes). */
  end(): void {
    if (this.#offset !== this.#bytes.length) throw this.#bad();
  }
}
