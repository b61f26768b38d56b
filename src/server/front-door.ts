// The front door: every request passes here in a fixed order (method, content type, body, target,
// authentication, input validation, operation) and leaves as an AWS-shaped response.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { KinesisError } from '../core/errors.js';
import type { Logger } from 'pino';
import { EventStreamOutput, OPERATIONS, type Services } from '../operations/index.js';
import type { Operation } from '../operations/context.js';
import { BodyError, CONTENT_TYPES, decodeBody, encodeAnswer, encodeBody, type Codec } from '../protocol/codec.js';
import type { DecodePool } from '../protocol/decode-pool.js';
import type { Decoded } from '../protocol/decoding.js';
import { releasePiece, type PiecedBody } from '../protocol/pieces.js';
import { SerializationError } from '../protocol/validate.js';
import { readCredentials } from './auth.js';
import { EVENT_STREAM_CONTENT_TYPE, eventStreamBody, type StreamingBody } from './event-stream.js';

const TARGET_PREFIX = 'Kinesis_20131202.';
const NO_QUERY = new URLSearchParams();

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /**
   * Written piece by piece after the headers, instead of `body`: an event stream (SubscribeToShard),
   * or an answer made in pieces of reused memory (with its content-length).
   */
  stream?: StreamingBody;
}

export interface RawRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Extra routes for tests and operators, outside the Kinesis API. */
export type Extension = (request: RawRequest) => Promise<Reply | undefined>;

// x-amz-id-2 values are cut from a pool of random bytes, drawn 128 at a time: one system call per
// 128 responses instead of one each.
const ID2_BYTES = 72;
let id2Pool = Buffer.alloc(0);
let id2At = 0;
function nextId2(): string {
  if (id2At >= id2Pool.length) {
    id2Pool = randomBytes(ID2_BYTES * 128);
    id2At = 0;
  }
  id2At += ID2_BYTES;
  return id2Pool.toString('base64', id2At - ID2_BYTES, id2At);
}

function baseHeaders(): Record<string, string> {
  return { 'x-amzn-requestid': randomUUID(), 'x-amz-id-2': nextId2() };
}

function xmlError(status: number, type: string, message?: string): Reply {
  const body = message === undefined ? `<${type}/>\n` : `<${type}>\n  <Message>${message}</Message>\n</${type}>\n`;
  return { status, headers: baseHeaders(), body: Buffer.from(body) };
}

export function errorReply(codec: Codec, error: KinesisError): Reply {
  const body: Record<string, string> = { __type: error.type };
  if (error.message) body[error instanceof SerializationError ? 'Message' : 'message'] = error.message;
  return {
    status: error.status,
    headers: { ...baseHeaders(), 'content-type': contentTypeOf(codec), 'x-amzn-errortype': error.type },
    body: encodeBody(codec, body),
  };
}

/** Nothing stops an answer in pieces but its client going away. */
const NEVER = new AbortController().signal;

/** An answer in pieces, written as a stream whose pieces go back to the pool once sent. */
function piecesStream(body: PiecedBody): StreamingBody {
  return { frames: () => body.pieces(), stop: NEVER, sent: releasePiece };
}

/** A failure of ours, as the service answers one: 500, InternalFailure, no message. */
const internalFailureReply = (codec: Codec) => errorReply(codec, new KinesisError('InternalFailure', '', 500));

const contentTypeOf = (codec: Codec) => (codec === 'cbor' ? 'application/x-amz-cbor-1.1' : 'application/x-amz-json-1.1');

export class FrontDoor {
  constructor(
    private readonly services: Services,
    private readonly decoder: DecodePool,
    private readonly log: Logger,
    private readonly extensions: Extension[] = [],
  ) {}

  /** Where to gather a request body of `size` bytes (a large one may go to a decoding thread). */
  bodyPlace(size: number): Buffer {
    return this.decoder.place(size);
  }

  async handle(request: RawRequest): Promise<Reply> {
    for (const extension of this.extensions) {
      const reply = await extension(request);
      if (reply) return reply;
    }
    if (request.method !== 'POST') {
      return xmlError(403, 'AccessDeniedException', 'Unable to determine service/operation name to be authorized');
    }
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const codec = CONTENT_TYPES[mediaType];
    const target = String(request.headers['x-amz-target'] ?? '');
    const name = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    const operation = Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name] : undefined;
    if (!codec) {
      // An empty body in no known content type is answered in CBOR, before authentication.
      if (request.body.length === 0) {
        return errorReply('cbor', operation ? new SerializationError() : new KinesisError('UnknownOperationException', ''));
      }
      if (!/^[^.]+\.[^.]+$/.test(target)) {
        return xmlError(403, 'AccessDeniedException', 'Unable to determine service/operation name to be authorized');
      }
      return xmlError(404, 'UnknownOperationException');
    }
    if (!operation) {
      try {
        decodeBody(codec, request.body);
      } catch (err) {
        if (err instanceof BodyError) return errorReply(codec, new SerializationError());
        throw err;
      }
      return errorReply(codec, new KinesisError('UnknownOperationException', ''));
    }
    let decoded: Decoded;
    try {
      // Large bodies are decoded on another thread; request.body is not ours to read after this.
      decoded = await this.decoder.decode(name, codec, request.body);
    } catch (err) {
      this.log.error({ err, operation: name }, 'internal failure decoding the request');
      return internalFailureReply(codec);
    }
    if (!decoded.ok && decoded.unreadable) return errorReply(codec, new SerializationError());
    try {
      return await this.perform(name, operation, codec, decoded, request);
    } finally {
      if (decoded.ok) decoded.release?.();
    }
  }

  private async perform(name: string, operation: Operation, codec: Codec, decoded: Exclude<Decoded, { unreadable: true }>, request: RawRequest): Promise<Reply> {
    const contentType = contentTypeOf(codec);
    try {
      const query = request.url.includes('?') ? new URL(request.url, 'http://localhost').searchParams : NO_QUERY;
      const credentials = readCredentials(request.headers, query);
      const account = credentials.accessKeyId && /^\d{12}$/.test(credentials.accessKeyId)
        ? credentials.accessKeyId : this.services.config.accountId;
      const region = credentials.region ?? this.services.config.region;
      if (!decoded.ok) throw decoded.error;
      const input = decoded.input;
      const output = await operation(input, { ...this.services, account, region });
      if (output instanceof EventStreamOutput) {
        const onError = (err: unknown) => this.log.error({ err, operation: name }, 'internal failure in event stream');
        return {
          status: 200,
          headers: { ...baseHeaders(), 'content-type': EVENT_STREAM_CONTENT_TYPE },
          body: Buffer.alloc(0),
          stream: eventStreamBody(codec, output, onError),
        };
      }
      const headers = { ...baseHeaders(), 'content-type': contentType };
      const body = output === undefined ? Buffer.alloc(0) : encodeAnswer(codec, output);
      if (Buffer.isBuffer(body)) return { status: 200, headers, body };
      return { status: 200, headers: { ...headers, 'content-length': String(body.length) }, body: Buffer.alloc(0), stream: piecesStream(body) };
    } catch (err) {
      if (err instanceof KinesisError) {
        this.log.debug({ operation: name, error: err.type, message: err.message }, 'request refused');
        return errorReply(codec, err);
      }
      this.log.error({ err, operation: name }, 'internal failure');
      return internalFailureReply(codec);
    }
  }
}
