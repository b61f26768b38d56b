// A decoding thread (decode-pool.ts): reads request bodies into validated inputs off the event loop.
import { parentPort } from 'node:worker_threads';
import { copyError, decodeRequest } from './decoding.js';
import type { Codec } from './codec.js';

export interface DecodeJob {
  id: number;
  operation: string;
  codec: Codec;
  body: ArrayBuffer;
}

parentPort!.on('message', (job: DecodeJob) => {
  try {
    const decoded = decodeRequest(job.operation, job.codec, Buffer.from(job.body));
    if (decoded.ok || decoded.unreadable) parentPort!.postMessage({ id: job.id, decoded });
    else parentPort!.postMessage({ id: job.id, decoded: { ok: false, unreadable: false, error: copyError(decoded.error) } });
  } catch (err) {
    parentPort!.postMessage({ id: job.id, failure: err instanceof Error ? err.stack ?? err.message : String(err) });
  }
});
