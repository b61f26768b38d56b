// The awsJson encoding of an answer holding a page of records (GetRecords, SubscribeToShard
// events), written straight into one buffer from the records as the store read them
// (core/values.ts RecordPage). JSON.stringify would build the whole answer as one string first
// (megabytes: every record's data in base64, each scanned again for characters to escape) and
// then copy it into a buffer; here the size is bounded first and the text is written a batch of
// records at a time. Base64 text and sequence numbers need no escaping; partition keys and
// everything else go through JSON.stringify.
import { withCounter } from '../core/sequence-number.js';
import { RecordPage } from '../core/values.js';

export interface RecordsAnswer {
  Records: RecordPage;
  [member: string]: unknown;
}

/** Whether an answer holds a page of records this writer renders. */
export function isRecordsAnswer(value: object): value is RecordsAnswer {
  return (value as { Records?: unknown }).Records instanceof RecordPage;
}

/** Records joined into one piece of text before it is written. */
const BATCH = 64;

/** Bytes a record's fixed members take at most, beside its data, key and sequence number. */
const RECORD_OVERHEAD = 128;
const SEQUENCE_NUMBER_CHARS = 56;

export function encodeRecordsAnswer(answer: RecordsAnswer): Buffer {
  const { Records: page, ...rest } = answer;
  const records = page.records;
  const prefix = page.sequencePrefix;
  const tail = JSON.stringify(rest);
  let size = 16 + tail.length * 3;
  for (const r of records) {
    // Base64 is 4 bytes per 3; a key escaped as \uXXXX takes at most 6 bytes per UTF-16 unit.
    size += RECORD_OVERHEAD + SEQUENCE_NUMBER_CHARS + Math.ceil(r.data.length / 3) * 4 + r.partitionKey.length * 6;
  }
  const out = Buffer.allocUnsafe(size);
  let at = out.write('{"Records":[', 0, 'latin1');
  // Records are joined into text a batch at a time and the batch written at once: one write call
  // per record part costs more than the copying. Text with only ASCII goes in as latin1 (a plain
  // copy); a batch holding other characters is encoded as UTF-8.
  let text = '';
  let ascii = true;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const key = JSON.stringify(r.partitionKey);
    if (ascii && Buffer.byteLength(key, 'utf8') !== key.length) ascii = false;
    text += `${i > 0 ? ',' : ''}{"SequenceNumber":"${withCounter(prefix, r.counter)}","ApproximateArrivalTimestamp":${r.arrivalMs / 1000},"Data":"${r.data.toString('base64')}","PartitionKey":${key}${r.encrypted ? ',"EncryptionType":"KMS"' : ''}}`;
    if ((i & (BATCH - 1)) === BATCH - 1 || i === records.length - 1) {
      at += out.write(text, at, ascii ? 'latin1' : 'utf8');
      text = '';
      ascii = true;
    }
  }
  at += out.write(tail === '{}' ? ']}' : `],${tail.slice(1)}`, at, 'utf8');
  return out.subarray(0, at);
}
