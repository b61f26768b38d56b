// The awsJson encoding of a page of records (GetRecords), written straight into one buffer.
// JSON.stringify would build the whole response as one string first (megabytes: every record's
// data in base64, each scanned again for characters to escape) and then copy it into a buffer;
// here the size is bounded first and the text is written a batch of records at a time. Base64
// text and sequence numbers need no escaping; partition keys and everything else go through
// JSON.stringify.
import { Blob, Timestamp } from '../core/values.js';

export interface RecordView {
  SequenceNumber: string;
  ApproximateArrivalTimestamp: Timestamp;
  Data: Blob;
  PartitionKey: string;
  EncryptionType?: string;
}

export interface RecordsPage {
  Records: RecordView[];
  [member: string]: unknown;
}

/** Whether a response is a page of records this writer knows (its records carry Data blobs). */
export function isRecordsPage(value: object): value is RecordsPage {
  const records = (value as { Records?: unknown }).Records;
  return Array.isArray(records) && records.length > 0 && (records[0] as RecordView).Data instanceof Blob;
}

/** Records joined into one piece of text before it is written. */
const BATCH = 64;

/** Bytes a record's fixed members take at most, beside its data, key and sequence number. */
const RECORD_OVERHEAD = 128;

export function encodeRecordsPage(page: RecordsPage): Buffer {
  const { Records: records, ...rest } = page;
  const tail = JSON.stringify(rest);
  let size = 16 + tail.length * 3;
  for (const r of records) {
    // Base64 is 4 bytes per 3; a key escaped as \uXXXX takes at most 6 bytes per UTF-16 unit.
    size += RECORD_OVERHEAD + r.SequenceNumber.length + Math.ceil(r.Data.bytes.length / 3) * 4 + r.PartitionKey.length * 6;
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
    const key = JSON.stringify(r.PartitionKey);
    if (ascii && Buffer.byteLength(key, 'utf8') !== key.length) ascii = false;
    text += `${i > 0 ? ',' : ''}{"SequenceNumber":"${r.SequenceNumber}","ApproximateArrivalTimestamp":${r.ApproximateArrivalTimestamp.ms / 1000},"Data":"${r.Data.bytes.toString('base64')}","PartitionKey":${key}${r.EncryptionType !== undefined ? `,"EncryptionType":${JSON.stringify(r.EncryptionType)}` : ''}}`;
    if ((i & (BATCH - 1)) === BATCH - 1 || i === records.length - 1) {
      at += out.write(text, at, ascii ? 'latin1' : 'utf8');
      text = '';
      ascii = true;
    }
  }
  at += out.write(tail === '{}' ? ']}' : `],${tail.slice(1)}`, at, 'utf8');
  return out.subarray(0, at);
}
