// Reading a request body into an operation's validated input: decode (JSON or CBOR), then check
// against the model. The front door runs it inline for small bodies and on a decoding thread
// (decode-pool.ts) for large ones; both give the same outcome, which is why it is one function.
import { KinesisError } from '../core/errors.js';
import { BodyError, decodeBody, type Codec } from './codec.js';
import { readPutRecordsJson } from './put-records-json.js';
import { readInput, SerializationError } from './validate.js';

export type Decoded =
  /** `release`: to be called once the operation is done with the input (decode-pool.ts). */
  | { ok: true; input: Record<string, unknown>; release?: () => void }
  /** The body is not a readable object (a SerializationException, answered before authentication). */
  | { ok: false; unreadable: true }
  /** The body reads, but not as the operation's input. */
  | { ok: false; unreadable: false; error: KinesisError };

/** `target`: where a plainly valid JSON PutRecords body's data may be decoded (see readPutRecordsJson). */
export function decodeRequest(operation: string, codec: Codec, body: Buffer, target?: Buffer): Decoded {
  if (operation === 'PutRecords' && codec === 'json') {
    const input = readPutRecordsJson(body, target);
    if (input) return { ok: true, input };
  }
  let value: unknown;
  try {
    value = decodeBody(codec, body);
  } catch (err) {
    if (err instanceof BodyError) return { ok: false, unreadable: true };
    throw err;
  }
  try {
    return { ok: true, input: readInput(operation, value) };
  } catch (err) {
    if (err instanceof KinesisError) return { ok: false, unreadable: false, error: err };
    throw err;
  }
}

/** A KinesisError as it crosses between threads. */
export interface ErrorCopy {
  type: string;
  message: string;
  status: number;
  serialization: boolean;
}

export function copyError(err: KinesisError): ErrorCopy {
  return { type: err.type, message: err.message, status: err.status, serialization: err instanceof SerializationError };
}

export function restoreError(copy: ErrorCopy): KinesisError {
  return copy.serialization ? new SerializationError(copy.message) : new KinesisError(copy.type, copy.message, copy.status);
}
