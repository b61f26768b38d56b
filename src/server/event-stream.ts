// Event stream responses (SubscribeToShard): `application/vnd.amazon.eventstream`, binary messages
// framed by @smithy/eventstream-codec (prelude, headers, payload, CRCs). First the initial-response
// event, then one message per event the operation yields; a KinesisError thrown by the operation's
// events becomes an exception message (`:message-type` exception), anything else an
// InternalFailureException one, and the stream ends. Payloads use the request's codec: JSON, or
// CBOR (blobs as byte strings, timestamps as tag 1 + epoch millis) when the request was CBOR.
import { createRequire } from 'node:module';
import type { EventStreamCodec } from '@smithy/eventstream-codec';
import type { MessageHeaders } from '@smithy/types';
import { internalFailure, KinesisError } from '../core/errors.js';
import type { EventStreamOutput } from '../operations/context.js';
import { encodeBody, type Codec } from '../protocol/codec.js';

const toUtf8 = (input: Uint8Array | string): string =>
  typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
const fromUtf8 = (input: string): Uint8Array => Buffer.from(input, 'utf8');
// Loaded on the first subscription, not at start: most runs never stream.
let codec: EventStreamCodec | undefined;
function eventStreamCodec(): EventStreamCodec {
  if (!codec) {
    const { EventStreamCodec: Codec } = createRequire(import.meta.url)('@smithy/eventstream-codec') as typeof import('@smithy/eventstream-codec');
    codec = new Codec(toUtf8, fromUtf8);
  }
  return codec;
}

export const EVENT_STREAM_CONTENT_TYPE = 'application/vnd.amazon.eventstream';

/** A response written as it is produced (see listener.ts writeStream). */
export interface StreamingBody {
  /** Frames in order; the writer asks for the next only once the client has room for it. */
  frames(signal: AbortSignal): AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  /** When it aborts while the client is not reading, the writer drops the response. */
  stop: AbortSignal;
  /** Told of each frame once the connection has sent it (its memory may then be reused). */
  sent?: (frame: Uint8Array) => void;
}

const payloadType = (c: Codec) => (c === 'cbor' ? 'application/x-amz-cbor-1.1' : 'application/json');

function message(headers: Record<string, string>, body: Uint8Array): Uint8Array {
  const h: MessageHeaders = {};
  for (const [name, value] of Object.entries(headers)) h[name] = { type: 'string', value };
  return eventStreamCodec().encode({ headers: h, body });
}

export function eventFrame(c: Codec, type: string, payload: object): Uint8Array {
  return message({ ':message-type': 'event', ':event-type': type, ':content-type': payloadType(c) }, encodeBody(c, payload));
}

export function exceptionFrame(c: Codec, error: KinesisError): Uint8Array {
  return message({ ':message-type': 'exception', ':exception-type': error.type, ':content-type': payloadType(c) },
    encodeBody(c, { message: error.message }));
}

/** The frames of an event stream output; `onError` hears of failures that are not KinesisErrors. */
export function eventStreamBody(c: Codec, output: EventStreamOutput, onError: (err: unknown) => void): StreamingBody {
  return {
    stop: output.stop,
    async *frames(signal) {
      // Every non-stream output member goes in the initial response; SubscribeToShard has none.
      yield eventFrame(c, 'initial-response', {});
      try {
        for await (const event of output.events(signal)) yield eventFrame(c, event.type, event.payload);
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof KinesisError) {
          yield exceptionFrame(c, err);
        } else {
          onError(err);
          yield exceptionFrame(c, internalFailure());
        }
      }
    },
  };
}
