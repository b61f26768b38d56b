// A decoding thread (decode-pool.ts): reads request bodies into validated inputs off the event loop.
import { parentPort } from 'node:worker_threads';
import { copyError, decodeRequest } from './decoding.js';
import type { Codec } from './codec.js';
import { packRecords } from './packed-records.js';

export interface DecodeJob {
  id: number;
  operation: string;
  codec: Codec;
  /** The body: the first `length` bytes of `body`. */
  body: ArrayBuffer;
  length: number;
}

/** Where record data are decoded, reused from job to job (packRecords copies them out). */
let scratch = Buffer.alloc(0);
/** Bodies larger than this get a decoding place of their own, so that one rare large body does not hold memory for good. */
const SCRATCH_MAX_BYTES = 2 * 1024 * 1024;

function decodingPlace(bodyBytes: number): Buffer {
  const size = Math.floor(bodyBytes / 4) * 3;
  if (size > SCRATCH_MAX_BYTES) return Buffer.allocUnsafe(size);
  if (size > scratch.length) scratch = Buffer.allocUnsafeSlow(Math.max(size, 1024 * 1024));
  return scratch;
}

parentPort!.on('message', (job: DecodeJob) => {
  try {
    const body = Buffer.from(job.body, 0, job.length);
    const place = job.operation === 'PutRecords' && job.codec === 'json' ? decodingPlace(body.length) : undefined;
    const decoded = decodeRequest(job.operation, job.codec, body, place);
    if (decoded.ok && job.operation === 'PutRecords') {
      // The records go back in the body's own memory: nothing new is allocated per job on this
      // thread, and the event loop frees what it allocated itself.
      const { packed, transfer } = packRecords(decoded.input, body);
      parentPort!.postMessage({ id: job.id, packed }, transfer);
    } else if (decoded.ok || decoded.unreadable) parentPort!.postMessage({ id: job.id, decoded });
    else parentPort!.postMessage({ id: job.id, decoded: { ok: false, unreadable: false, error: copyError(decoded.error) } });
  } catch (err) {
    parentPort!.postMessage({ id: job.id, failure: err instanceof Error ? err.stack ?? err.message : String(err) });
  }
});
