// The awsJson encoding of answers that hold a list of records: a page of records (GetRecords,
// SubscribeToShard events; core/values.ts RecordPage) or PutRecords' results (PutResultList),
// written straight into one buffer from the values as the operation left them. JSON.stringify
// would need an object per record first, then build the whole answer as one string (megabytes:
// every record's data in base64, each scanned again for characters to escape) and copy it into a
// buffer; here the size is bounded first and the list's text is written a batch of records at a
// time. Base64 text, sequence numbers and shard ids need no escaping; partition keys and every
// other member go through JSON.stringify.
import { withCounter } from '../core/sequence-number.js';
import { PutResultList, RecordPage } from '../core/values.js';

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

/** Bytes a record's fixed members take at most, beside its data, key and sequence number. */
const RECORD_OVERHEAD = 128;
const SEQUENCE_NUMBER_CHARS = 56;

/** The most bytes a list's text takes. */
function listBound(list: RecordPage | PutResultList): number {
  let size = 2;
  if (list instanceof PutResultList) {
    for (const id of list.shardIds) size += RECORD_OVERHEAD + SEQUENCE_NUMBER_CHARS + id.length;
    return size;
  }
  for (const r of list.records) {
    // Base64 is 4 bytes per 3; a key escaped as \uXXXX takes at most 6 bytes per UTF-16 unit.
    size += RECORD_OVERHEAD + SEQUENCE_NUMBER_CHARS + Math.ceil(r.data.length / 3) * 4 + r.partitionKey.length * 6;
  }
  return size;
}

/** Writes a list's text at `at`; the position after it. */
function writeList(out: Buffer, at: number, list: RecordPage | PutResultList): number {
  at += out.write('[', at, 'latin1');
  // Records are joined into text a batch at a time and the batch written at once: one write call
  // per record part costs more than the copying. Text with only ASCII goes in as latin1 (a plain
  // copy); a batch holding other characters is encoded as UTF-8.
  let text = '';
  let ascii = true;
  const n = list instanceof PutResultList ? list.counters.length : list.records.length;
  for (let i = 0; i < n; i++) {
    if (list instanceof PutResultList) {
      text += `${i > 0 ? ',' : ''}{"SequenceNumber":"${withCounter(list.sequencePrefixes[i]!, list.counters[i]!)}","ShardId":"${list.shardIds[i]!}"}`;
    } else {
      const r = list.records[i]!;
      const key = JSON.stringify(r.partitionKey);
      if (ascii && Buffer.byteLength(key, 'utf8') !== key.length) ascii = false;
      text += `${i > 0 ? ',' : ''}{"SequenceNumber":"${withCounter(list.sequencePrefix, r.counter)}","ApproximateArrivalTimestamp":${r.arrivalMs / 1000},"Data":"${r.data.toString('base64')}","PartitionKey":${key}${r.encrypted ? ',"EncryptionType":"KMS"' : ''}}`;
    }
    if ((i & (BATCH - 1)) === BATCH - 1 || i === n - 1) {
      at += out.write(text, at, ascii ? 'latin1' : 'utf8');
      text = '';
      ascii = true;
    }
  }
  return at + out.write(']', at, 'latin1');
}

/** An answer holding a list (hasRecordList), its members in their order, as JSON.stringify gives them. */
export function encodeRecordsAnswer(answer: object): Buffer {
  const members: [string, string | RecordPage | PutResultList][] = [];
  let size = 2;
  for (const [name, value] of Object.entries(answer)) {
    if (value === undefined) continue;
    const rendered = value instanceof RecordPage || value instanceof PutResultList ? value : JSON.stringify(value);
    members.push([name, rendered]);
    size += 4 + name.length * 6 + (typeof rendered === 'string' ? rendered.length * 3 : listBound(rendered));
  }
  const out = Buffer.allocUnsafe(size);
  let at = out.write('{', 0, 'latin1');
  for (const [i, [name, rendered]] of members.entries()) {
    at += out.write(`${i > 0 ? ',' : ''}${JSON.stringify(name)}:`, at, 'utf8');
    at = typeof rendered === 'string' ? at + out.write(rendered, at, 'utf8') : writeList(out, at, rendered);
  }
  at += out.write('}', at, 'latin1');
  return out.subarray(0, at);
}
