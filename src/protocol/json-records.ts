// The awsJson encoding of answers that hold a list of records: a page of records (GetRecords,
// SubscribeToShard events; core/values.ts RecordPage) or PutRecords' results (PutResultList),
// written straight into pieces of reused memory (pieces.ts) from the values as the operation left
// them. JSON.stringify would need an object per record first, then build the whole answer as one
// string (megabytes: every record's data in base64, each scanned again for characters to escape)
// and copy it into a buffer. Here the exact length is computed first, then each record is written
// as bytes: sequence numbers as digits over a template's zeros; strings per record are made only
// for its data's base64 (written at once) and its partition key's JSON. Base64 text,
// sequence numbers and shard ids need no escaping; partition keys and every other member go
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

/**
 * A page of records' text, prepared: each record's bytes (with its comma) known before any is
 * written. Each record is written as its page's head bytes (the sequence number's digits written
 * over the zeros), the bytes of its arrival time, its data in base64, and its text after the data
 * (partition key and encryption).
 */
interface PageText {
  bytes: number;
  page: RecordPage;
  sizes: number[];
  /** `,{"SequenceNumber":"<prefix and 32 zeros>","ApproximateArrivalTimestamp":` */
  head: Buffer;
  lastDigit: number;
  /** By arrival time: its text and what follows up to the data's opening quote. */
  arrivals: Map<number, Buffer>;
  tails: string[];
  ascii: boolean[];
}

/**
 * PutRecords' results, prepared: each shard's item text as bytes, its counter all zeros, with a
 * comma before it. Every item is its shard's text with the counter's digits written over the zeros:
 * no string is made per record.
 */
interface ResultsText {
  bytes: number;
  results: PutResultList;
  items: Buffer[];
  /** Where the counter's last digit is in each shard's item. */
  lastDigit: number[];
}

type ListText = PageText | ResultsText;

const base64Length = (n: number) => Math.ceil(n / 3) * 4;

function prepareResults(results: PutResultList): ResultsText {
  const items: Buffer[] = [];
  const lastDigit: number[] = [];
  for (const { shardId, prefix } of results.shards) {
    const head = `,{"SequenceNumber":"${withCounter(prefix, 0)}`;
    items.push(Buffer.from(`${head}","ShardId":"${shardId}"}`, 'latin1'));
    lastDigit.push(head.length - 1);
  }
  let bytes = 2;
  for (let i = 0; i < results.length; i++) bytes += items[results.shardOf[i]!]!.length;
  // The first item has no comma before it.
  if (results.length > 0) bytes -= 1;
  return { bytes, results, items, lastDigit };
}

function preparePage(page: RecordPage): PageText {
  const headText = `,{"SequenceNumber":"${withCounter(page.sequencePrefix, 0)}`;
  const head = Buffer.from(`${headText}","ApproximateArrivalTimestamp":`, 'latin1');
  const text: PageText = { bytes: 2, page, sizes: [], head, lastDigit: headText.length - 1, arrivals: new Map(), tails: [], ascii: [] };
  for (let i = 0; i < page.records.length; i++) {
    const r = page.records[i]!;
    let arrival = text.arrivals.get(r.arrivalMs);
    if (!arrival) text.arrivals.set(r.arrivalMs, (arrival = Buffer.from(`${r.arrivalMs / 1000},"Data":"`, 'latin1')));
    const tail = `","PartitionKey":${JSON.stringify(r.partitionKey)}${r.encrypted ? ',"EncryptionType":"KMS"' : ''}}`;
    const tailBytes = Buffer.byteLength(tail, 'utf8');
    const size = (i > 0 ? head.length : head.length - 1) + arrival.length + base64Length(r.data.length) + tailBytes;
    text.tails.push(tail);
    text.ascii.push(tailBytes === tail.length);
    text.sizes.push(size);
    text.bytes += size;
  }
  return text;
}

function prepareList(list: RecordPage | PutResultList): ListText {
  return list instanceof PutResultList ? prepareResults(list) : preparePage(list);
}

/** Writes the decimal digits of `value` (an integer below 2^53) over zeros, its last digit at `last`. */
function writeDigits(piece: Buffer, last: number, value: number): void {
  for (let at = last; value > 0; at--) {
    const q = Math.floor(value / 10);
    // (value - q * 10) first: 0x30 + value could round above 2^53.
    piece[at] = 0x30 + (value - q * 10);
    value = q;
  }
}

/** Writes PutRecords' results: each item its shard's bytes, then the counter's digits over the zeros. */
function* writeResults(w: PieceWriter, text: ResultsText): Generator<Buffer, void, undefined> {
  const { results, items, lastDigit } = text;
  for (let i = 0; i < results.length; i++) {
    const slot = results.shardOf[i]!;
    const item = items[slot]!;
    const skip = i === 0 ? 1 : 0;
    if (w.piece.length - w.at < item.length - skip) yield* w.room(item.length - skip);
    const piece = w.piece;
    piece.set(skip === 0 ? item : item.subarray(1), w.at);
    writeDigits(piece, w.at + lastDigit[slot]! - skip, results.counters[i]!);
    w.at += item.length - skip;
  }
}

/** Writes a list's text, an item at a time, each into a piece with room for all of it. */
function* writeList(w: PieceWriter, list: ListText): Generator<Buffer, void, undefined> {
  yield* w.room(1);
  w.text('[', true);
  if ('results' in list) yield* writeResults(w, list);
  else yield* writePage(w, list);
  yield* w.room(1);
  w.text(']', true);
}

/** Writes a page of records (see PageText); a text after the data holding other characters than ASCII goes in as UTF-8. */
function* writePage(w: PieceWriter, text: PageText): Generator<Buffer, void, undefined> {
  const { page, sizes, head, lastDigit, arrivals, tails, ascii } = text;
  for (let i = 0; i < sizes.length; i++) {
    if (w.piece.length - w.at < sizes[i]!) yield* w.room(sizes[i]!);
    const r = page.records[i]!;
    const piece = w.piece;
    const skip = i === 0 ? 1 : 0;
    piece.set(skip === 0 ? head : head.subarray(1), w.at);
    writeDigits(piece, w.at + lastDigit - skip, r.counter);
    let at = w.at + head.length - skip;
    const arrival = arrivals.get(r.arrivalMs)!;
    piece.set(arrival, at);
    at += arrival.length;
    // Node's encoder, its string written at once: measured faster here than encoding in place.
    at += piece.write(r.data.toString('base64'), at, 'latin1');
    w.at = at + piece.write(tails[i]!, at, ascii[i] ? 'latin1' : 'utf8');
  }
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
