// Base64 decoded straight from a request body's bytes. Node decodes base64 only from a string, and
// making one per record (1.4 KB for 1 KiB of data, which Node then copies again into a wider one
// to decode it) was nearly half of all the memory a PutRecords allocated, each string dead a
// moment later: what the collector then had to run for. Decoding the bytes here takes about the
// time Node's decoder does, and allocates nothing.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const PAD = 0x3d;

/** Each character's 6 bits at their place in a group of four (first to fourth); -1 (all bits) for a non-base64 byte. */
function table(shift: number): Int32Array {
  const t = new Int32Array(256).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) t[ALPHABET.charCodeAt(i)] = i << shift;
  return t;
}
const FIRST = table(18);
const SECOND = table(12);
const THIRD = table(6);

/**
 * Two characters (read as one little-endian 16-bit number) to their 12 bits; -1 if either is not
 * base64. Half as many lookups as one character at a time, for a 256 KiB table.
 */
const PAIRS = new Int32Array(65536).fill(-1);
for (let a = 0; a < 64; a++) {
  for (let b = 0; b < 64; b++) PAIRS[ALPHABET.charCodeAt(a) | (ALPHABET.charCodeAt(b) << 8)] = (a << 6) | b;
}

/**
 * Decodes canonical base64 text, the bytes [start, end) of `src` (read through `srcView`, a
 * DataView of the same bytes), into `out` at `at` (written through `outView`; room for
 * (end - start) / 4 * 3 bytes). Gives the position after the bytes written, or -1 for anything but
 * canonical base64 (a stray character, a length not a multiple of four, padding in the wrong
 * place, bits set past the last byte). After -1, what was written to `out` means nothing.
 */
export function decodeBase64Bytes(src: Uint8Array, srcView: DataView, start: number, end: number,
  out: Uint8Array, outView: DataView, at: number): number {
  const n = end - start;
  if (n % 4 !== 0) return -1;
  if (n === 0) return at;
  const pad = src[end - 1] !== PAD ? 0 : src[end - 2] === PAD ? 2 : 1;
  const full = pad === 0 ? end : end - 4;
  // Any pair outside the alphabet turns `bad` negative; checked once at the end.
  let bad = 0;
  let i = start;
  // Sixteen characters give twelve bytes: three 32-bit writes.
  for (; i + 16 <= full; i += 16) {
    const a = (PAIRS[srcView.getUint16(i, true)]! << 12) | PAIRS[srcView.getUint16(i + 2, true)]!;
    const b = (PAIRS[srcView.getUint16(i + 4, true)]! << 12) | PAIRS[srcView.getUint16(i + 6, true)]!;
    const c = (PAIRS[srcView.getUint16(i + 8, true)]! << 12) | PAIRS[srcView.getUint16(i + 10, true)]!;
    const d = (PAIRS[srcView.getUint16(i + 12, true)]! << 12) | PAIRS[srcView.getUint16(i + 14, true)]!;
    bad |= a | b | c | d;
    outView.setUint32(at, (a << 8) | (b >>> 16));
    outView.setUint32(at + 4, (b << 16) | (c >>> 8));
    outView.setUint32(at + 8, (c << 24) | d);
    at += 12;
  }
  for (; i < full; i += 4) {
    const v = (PAIRS[srcView.getUint16(i, true)]! << 12) | PAIRS[srcView.getUint16(i + 2, true)]!;
    bad |= v;
    out[at] = v >>> 16;
    out[at + 1] = v >>> 8;
    out[at + 2] = v;
    at += 3;
  }
  if (pad === 2) {
    const v = FIRST[src[i]!]! | SECOND[src[i + 1]!]!;
    // The second character's low four bits lie past the one byte: canonical text has them clear.
    bad |= v | ((v & 0xf000) !== 0 ? -1 : 0);
    out[at++] = v >>> 16;
  } else if (pad === 1) {
    const v = FIRST[src[i]!]! | SECOND[src[i + 1]!]! | THIRD[src[i + 2]!]!;
    bad |= v | ((v & 0xc0) !== 0 ? -1 : 0);
    out[at] = v >>> 16;
    out[at + 1] = v >>> 8;
    at += 2;
  }
  return bad < 0 ? -1 : at;
}

/** A DataView of exactly the bytes of `b`. */
export function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
