/**
 * A FIFO of byte chunks, for re-framing a stream whose writes do not line
 * up with the format's records. `take(n)` returns a view when the bytes lie
 * in one chunk and copies only when they straddle chunks.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';

function short(): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', 'not enough bytes queued');
}

const EMPTY = new Uint8Array(0);

/** A queue of bytes. */
export class ByteQueue {
  #chunks: Uint8Array[] = [];
  /** Index of the first live chunk (dropped chunks are compacted lazily: `shift` is O(n)). */
  #first = 0;
  /** Offset into the first live chunk. */
  #head = 0;
  #length = 0;

  /** Bytes queued. */
  get length(): number {
    return this.#length;
  }

  /** Appends `chunk` (kept by reference; the caller must not mutate it). */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  /**
   * Removes and returns the first `n` bytes; `n` must be ≤ {@link length}.
   * When the bytes straddle chunks they are copied, into `scratch` if given
   * (at least `n` bytes, reused by the caller: allocating a fresh 64 KiB
   * array costs more than copying into one).
   */
  take(n: number, scratch?: Uint8Array): Uint8Array {
    if (n > this.#length) throw short();
    this.#length -= n;
    const first = this.#chunks[this.#first];
    if (first !== undefined && first.length - this.#head >= n) {
      const out = first.subarray(this.#head, this.#head + n);
      this.#advance(n);
      return out;
    }
    const out = scratch === undefined ? new Uint8Array(n) : scratch.subarray(0, n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[this.#first] as Uint8Array;
      const count = Math.min(chunk.length - this.#head, n - filled);
      out.set(chunk.subarray(this.#head, this.#head + count), filled);
      filled += count;
      this.#advance(count);
    }
    return out;
  }

  /** Returns the first `n` bytes without removing them (copying if needed). */
  peek(n: number): Uint8Array {
    if (n > this.#length) throw short();
    const out = new Uint8Array(n);
    let filled = 0;
    for (let i = this.#first, head = this.#head; filled < n; i++, head = 0) {
      const chunk = this.#chunks[i] as Uint8Array;
      const count = Math.min(chunk.length - head, n - filled);
      out.set(chunk.subarray(head, head + count), filled);
      filled += count;
    }
    return out;
  }

  #advance(count: number): void {
    this.#head += count;
    const chunk = this.#chunks[this.#first];
    if (chunk !== undefined && this.#head === chunk.length) {
      // Drop the reference now: a consumed chunk must not outlive its bytes.
      this.#chunks[this.#first] = EMPTY;
      this.#first += 1;
      this.#head = 0;
      if (this.#first === this.#chunks.length) {
        this.#chunks = [];
        this.#first = 0;
      } else if (this.#first >= 1024) {
        this.#chunks = this.#chunks.slice(this.#first);
        this.#first = 0;
      }
    }
  }
}
