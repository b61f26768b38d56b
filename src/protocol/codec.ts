// Body codecs: awsJson 1.1 and its CBOR variant (what the Java SDK v2, and so KCL, sends).
// Requests are decoded to plain values for validate.ts; responses are plain objects whose blobs
// and timestamps are Blob/Timestamp values (see core/values.ts).
import { createRequire } from 'node:module';
import type { Decoder, Encoder } from 'cbor-x';
import { Blob, PutResultList, RecordPage, Timestamp } from '../core/values.js';
import { encodeRecordsAnswerCbor } from './cbor-records.js';
import { encodeRecordsAnswer, hasRecordList, isRecordsAnswer } from './json-records.js';
import { joinPieces, type PiecedBody } from './pieces.js';
import { TaggedTime } from './validate.js';

export type Codec = 'json' | 'cbor';

export const CONTENT_TYPES: Record<string, Codec> = {
  'application/x-amz-json-1.1': 'json',
  'application/x-amz-json-1.0': 'json',
  'application/json': 'json',
  'application/x-amz-cbor-1.1': 'cbor',
};

type CborX = typeof import('cbor-x');
let cborX: { decoder: Decoder; encoder: Encoder; Tag: CborX['Tag'] } | undefined;

/** cbor-x, loaded with the first CBOR body rather than at start (most clients speak JSON). */
function cbor(): NonNullable<typeof cborX> {
  if (!cborX) {
    const m = createRequire(import.meta.url)('cbor-x') as CborX;
    // Tag 1 is epoch seconds in RFC 8949, but the Java SDK writes epoch milliseconds under it;
    // keep the raw number and let validation decide by its size.
    m.addExtension({ Class: TaggedTime, tag: 1, encode: (t: TaggedTime, encode: (v: unknown) => Buffer) => encode(t.value), decode: (v: unknown) => new TaggedTime(v) });
    cborX = { decoder: new m.Decoder({ useRecords: false, mapsAsObjects: true }), encoder: new m.Encoder({ useRecords: false }), Tag: m.Tag };
  }
  return cborX;
}

export class BodyError extends Error {}

/** The decoded body, or BodyError when it is not a readable object. An empty body reads as {}. */
export function decodeBody(codec: Codec, body: Buffer): unknown {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = codec === 'json' ? JSON.parse(body.toString('utf8')) : cbor().decoder.decode(body);
  } catch {
    throw new BodyError('unreadable body');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw new BodyError('body is not an object');
  }
  return value;
}

/**
 * An answer's body: answers holding records in pieces of reused memory (pieces.ts), to be
 * released as they are sent; any other in one buffer.
 */
export function encodeAnswer(codec: Codec, value: object): Buffer | PiecedBody {
  if (codec === 'json') {
    if (hasRecordList(value)) return encodeRecordsAnswer(value);
    const text = JSON.stringify(value);
    // Most answers are ASCII, which latin1 copies as it is, without UTF-8 encoding's slower path.
    return Buffer.from(text, Buffer.byteLength(text, 'utf8') === text.length ? 'latin1' : 'utf8');
  }
  // Copied: the encoder may write its next output into the same memory.
  if (isRecordsAnswer(value)) return encodeRecordsAnswerCbor(value, (member) => Buffer.from(cbor().encoder.encode(forCbor(member))));
  return cbor().encoder.encode(forCbor(value));
}

/** An answer's body in one buffer. */
export function encodeBody(codec: Codec, value: object): Buffer {
  const body = encodeAnswer(codec, value);
  return Buffer.isBuffer(body) ? body : joinPieces(body);
}

// CBOR wants byte strings for blobs, tag 1 + integer milliseconds for timestamps (what the Java
// SDK parses), and integers written as integers: cbor-x would write large ones as floats.
function forCbor(value: unknown): unknown {
  if (value instanceof Blob) return value.bytes;
  if (value instanceof Timestamp) return new (cbor().Tag)(BigInt(Math.round(value.ms)), 1);
  if (value instanceof RecordPage || value instanceof PutResultList) return value.views().map(forCbor);
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) > 0xffffffff ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(forCbor);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = forCbor(v);
    return out;
  }
  return value;
}
