// The awsJson encoding of answers that hold a list of records: a page of records (GetRecords,
// SubscribeToShard events; core/values.ts RecordPage) or PutRecords' results (PutResultList),
// written straight into pieces of reused memory (pieces.ts) from the values as the operation left
// them. JSON.stringify would need an object per record first, then build the whole answer as one
// string (megabytes: every record's data in base64, each scanned again for characters to escape)
// and copy it into a buffer. Here each record's text around its data is made first, so the exact
// length is known before anything is written, then records are written a batch at a time. Base64
// text, sequence numbers and shard ids need no escaping; partition keys and every other member go
// through JSON.stringify.
import { withCounter } from '../core/sequence-number.js';
import { PutResultList, RecordPage } from '../core/values.js';
import { PieceWriter, type PiecedBody } from './pieces.js';

export interface RecordsAnswer {
  Records: RecordPage;
  [member: string]: unknown;
}

/** Whether an answer holds a page of records. */
export function isRecordsAnswer(value: object): value is RecordsAnswer {
  return (value as { Records?: unknown }).Records instanceof RecordPage;
}

/** Whether this writer renders the answer: it holds one of the lists above. */
export function hasRecordList(value: object): boolean {
  const records = (value as { Records?: unknown }).Records;
  return records instanceof RecordPage || records instanceof PutResultList;
}

/** Records joined into one piece of text before it is written. */
const BATCH = 64;

/** A list's text, prepared: each item's bytes (with its comma) known before any is written. */
interface ListText {
  bytes: number;
  sizes: number[];
  /** Each item's text before its data; for PutRecords results (no data, ASCII only), the whole item. */
  heads: string[];
  /** For records: each one's data (written as base64), its text after the data, and whether that is ASCII. */
  records?: { data: Buffer[]; tails: string[]; ascii: boolean[] };
}

const base64Length = (n: number) => Math.ceil(n / 3) * 4;

function prepareList(list: RecordPage | PutResultList): ListText {
  const heads: string[] = [];
  const sizes: number[] = [];
  let bytes = 2;
  if (list instanceof PutResultList) {
    for (let i = 0; i < list.counters.length; i++) {
      const text = `${i > 0 ? ',' : ''}{"SequenceNumber":"${withCounter(list.sequencePrefixes[i]!, list.counters[i]!)}","ShardId":"${list.shardIds[i]!}"}`;
      heads.push(text);
      sizes.push(text.length);
      bytes += text.length;
    }
    return { bytes, sizes, heads };
  }
  const records = { data: [] as Buffer[], tails: [] as string[], ascii: [] as boolean[] };
  for (let i = 0; i < list.records.length; i++) {
    const r = list.records[i]!;
    const head = `${i > 0 ? ',' : ''}{"SequenceNumber":"${withCounter(list.sequencePrefix, r.counter)}","ApproximateArrivalTimestamp":${r.arrivalMs / 1000},"Data":"`;
    const tail = `","PartitionKey":${JSON.stringify(r.partitionKey)}${r.encrypted ? ',"EncryptionType":"KMS"' : ''}}`;
    const tailBytes = Buffer.byteLength(tail, 'utf8');
    const size = head.length + base64Length(r.data.length) + tailBytes;
    heads.push(head);
    records.data.push(r.data);
    records.tails.push(tail);
    records.ascii.push(tailBytes === tail.length);
    sizes.push(size);
    bytes += size;
  }
  return { bytes, sizes, heads, records };
}

/**
 * Writes a list's text. Items are joined into text a batch at a time and the batch written at once:
 * one write call per item part costs more than the copying. A batch ends where the piece would
 * overflow; a batch holding other characters than ASCII is encoded as UTF-8.
 */
function* writeList(w: PieceWriter, list: ListText): Generator<Buffer, void, undefined> {
  yield* w.room(1);
  w.text('[', true);
  const { sizes, heads, records } = list;
  const n = sizes.length;
  let i = 0;
  while (i < n) {
    yield* w.room(sizes[i]!);
    let room = w.piece.length - w.at;
    let text = '';
    let ascii = true;
    for (let k = 0; k < BATCH && i < n && sizes[i]! <= room; k++, i++) {
      if (records) {
        text += heads[i]! + records.data[i]!.toString('base64') + records.tails[i]!;
        ascii &&= records.ascii[i]!;
      } else {
        text += heads[i]!;
      }
      room -= sizes[i]!;
    }
    w.text(text, ascii);
  }
  yield* w.room(1);
  w.text(']', true);
}

/**
 * An answer holding a list (hasRecordList), its members in their order, as JSON.stringify gives
 * them, in pieces (pieces.ts) of exactly the length announced.
 */
export function encodeRecordsAnswer(answer: object): PiecedBody {
  // Each member's name (with its comma and colon) and value, their bytes, and whether both are ASCII.
  const members: { name: string; nameBytes: number; value: string | ListText; bytes: number; ascii: boolean }[] = [];
  let length = 2;
  for (const [key, value] of Object.entries(answer)) {
    if (value === undefined) continue;
    const name = `${members.length > 0 ? ',' : ''}${JSON.stringify(key)}:`;
    const nameBytes = Buffer.byteLength(name, 'utf8');
    if (value instanceof RecordPage || value instanceof PutResultList) {
      const list = prepareList(value);
      members.push({ name, nameBytes, value: list, bytes: list.bytes, ascii: nameBytes === name.length });
      length += nameBytes + list.bytes;
    } else {
      const text = JSON.stringify(value);
      const bytes = Buffer.byteLength(text, 'utf8');
      members.push({ name, nameBytes, value: text, bytes, ascii: nameBytes === name.length && bytes === text.length });
      length += nameBytes + bytes;
    }
  }
  return {
    length,
    *pieces(into) {
      const w = new PieceWriter(into);
      yield* w.room(1);
      w.text('{', true);
      for (const { name, nameBytes, value, bytes, ascii } of members) {
        if (typeof value === 'string') {
          yield* w.room(nameBytes + bytes);
          w.text(name + value, ascii);
        } else {
          yield* w.room(nameBytes);
          w.text(name, ascii);
          yield* writeList(w, value);
        }
      }
      yield* w.room(1);
      w.text('}', true);
      yield* w.rest();
    },
  };
}
