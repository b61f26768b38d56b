// The CBOR encoding of an answer holding a page of records (GetRecords, SubscribeToShard events),
// as the Java SDK v2 (and so KCL) reads it: written straight into pieces of reused memory from the
// records as the store read them, as json-records.ts does for awsJson. Mapping every record to a view, then
// to cbor-x's input, then encoding it, costs several objects a record; here each record is a few
// header bytes around its sequence number, arrival time, data and key.
//
// Shapes, as the generic encoding gives them (codec.ts forCbor): definite-length maps and arrays,
// text strings for names, sequence numbers and keys, a byte string for Data, and the arrival time
// as tag 1 around a 64-bit integer of epoch milliseconds.
import { withCounter } from '../core/sequence-number.js';
import type { RecordsAnswer } from './json-records.js';
import { PieceWriter, type PiecedBody } from './pieces.js';

const MAJOR_UNSIGNED = 0;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_ARRAY = 4;
const MAJOR_MAP = 5;
const TAG_EPOCH = 0xc1;

/** Writes a major type's head with its argument in the fewest bytes; the position after it. */
function head(out: Buffer, at: number, major: number, n: number): number {
  const m = major << 5;
  if (n < 24) {
    out[at] = m | n;
    return at + 1;
  }
  if (n < 0x100) {
    out[at] = m | 24;
    out[at + 1] = n;
    return at + 2;
  }
  if (n < 0x10000) {
    out[at] = m | 25;
    out.writeUInt16BE(n, at + 1);
    return at + 3;
  }
  if (n < 0x100000000) {
    out[at] = m | 26;
    out.writeUInt32BE(n, at + 1);
    return at + 5;
  }
  out[at] = m | 27;
  out.writeBigUInt64BE(BigInt(n), at + 1);
  return at + 9;
}

function text(out: Buffer, at: number, value: string): number {
  const bytes = Buffer.byteLength(value, 'utf8');
  at = head(out, at, MAJOR_TEXT, bytes);
  return at + out.write(value, at, bytes, 'utf8');
}

/** Names as they are written, encoded once. */
const NAMES = Object.fromEntries(['Records', 'SequenceNumber', 'ApproximateArrivalTimestamp', 'Data', 'PartitionKey', 'EncryptionType', 'KMS']
  .map((name) => {
    const b = Buffer.alloc(name.length + 2);
    return [name, b.subarray(0, text(b, 0, name))];
  })) as Record<string, Buffer>;

/** Bytes of a head for argument n. */
function headSize(n: number): number {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x100000000 ? 5 : 9;
}

/** Bytes of a text string. */
function textSize(value: string): number {
  const bytes = Buffer.byteLength(value, 'utf8');
  return headSize(bytes) + bytes;
}

/** Bytes every record takes beside its sequence number, data and key: heads, names, tagged time. */
const RECORD_FIXED = 1 + NAMES.SequenceNumber!.length + NAMES.ApproximateArrivalTimestamp!.length + 10
  + NAMES.Data!.length + NAMES.PartitionKey!.length;
const ENCRYPTED_EXTRA = NAMES.EncryptionType!.length + NAMES.KMS!.length;

/**
 * The answer in pieces (pieces.ts) of exactly the length announced; `encodeMember` encodes any
 * other member's value as the generic encoding does.
 */
export function encodeRecordsAnswerCbor(answer: RecordsAnswer, encodeMember: (value: unknown) => Buffer): PiecedBody {
  const { Records: page, ...rest } = answer;
  const records = page.records;
  const others = Object.entries(rest).filter(([, v]) => v !== undefined).map(([k, v]) => [k, encodeMember(v)] as const);
  const sequenceNumbers = records.map((r) => withCounter(page.sequencePrefix, r.counter));
  const sizes = records.map((r, i) => RECORD_FIXED + textSize(sequenceNumbers[i]!) + headSize(r.data.length) + r.data.length
    + textSize(r.partitionKey) + (r.encrypted ? ENCRYPTED_EXTRA : 0));
  const start = headSize(1 + others.length) + NAMES.Records!.length + headSize(records.length);
  let length = start;
  for (const size of sizes) length += size;
  for (const [k, v] of others) length += textSize(k) + v.length;
  return {
    length,
    *pieces(into) {
      const w = new PieceWriter(into);
      yield* w.room(start);
      w.at = head(w.piece, w.at, MAJOR_MAP, 1 + others.length);
      w.at += NAMES.Records!.copy(w.piece, w.at);
      w.at = head(w.piece, w.at, MAJOR_ARRAY, records.length);
      for (let i = 0; i < records.length; i++) {
        const r = records[i]!;
        yield* w.room(sizes[i]!);
        const out = w.piece;
        let at = head(out, w.at, MAJOR_MAP, r.encrypted ? 5 : 4);
        at += NAMES.SequenceNumber!.copy(out, at);
        at = text(out, at, sequenceNumbers[i]!);
        at += NAMES.ApproximateArrivalTimestamp!.copy(out, at);
        // Eight bytes always, as the Java SDK writes its own times.
        out[at] = TAG_EPOCH;
        out[at + 1] = (MAJOR_UNSIGNED << 5) | 27;
        out.writeBigUInt64BE(BigInt(Math.round(r.arrivalMs)), at + 2);
        at += 10;
        at += NAMES.Data!.copy(out, at);
        at = head(out, at, MAJOR_BYTES, r.data.length);
        at += r.data.copy(out, at);
        at += NAMES.PartitionKey!.copy(out, at);
        at = text(out, at, r.partitionKey);
        if (r.encrypted) {
          at += NAMES.EncryptionType!.copy(out, at);
          at += NAMES.KMS!.copy(out, at);
        }
        w.at = at;
      }
      for (const [k, v] of others) {
        yield* w.room(textSize(k) + v.length);
        w.at = text(w.piece, w.at, k);
        w.at += v.copy(w.piece, w.at);
      }
      yield* w.rest();
    },
  };
}
