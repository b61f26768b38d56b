// One TCP port for HTTP/1.1 and cleartext HTTP/2 (prior knowledge, as the JS SDK v3 speaks it):
// the first bytes of a connection tell which; the socket then goes to the matching Node server.
// The TLS listener (tls.ts) hands its decrypted connections to the same dispatch.
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type tls from 'node:tls';
import type { Logger } from 'pino';
import { KinesisError } from '../core/errors.js';
import { CONTENT_TYPES, type Codec } from '../protocol/codec.js';
import type { StreamingBody } from './event-stream.js';
import { errorReply, type FrontDoor, type RawRequest, type Reply } from './front-door.js';

const codecOf = (contentType: string | undefined): Codec =>
  CONTENT_TYPES[(contentType ?? '').split(';')[0]!.trim().toLowerCase()] ?? 'json';

/**
 * Largest request body read. A PutRecords of 10 MiB is about 14 MiB in base64; this leaves room
 * for requests just over the limit to be read and refused with the operation's own error.
 */
export const MAX_BODY_BYTES = 24 * 1024 * 1024;
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

type AnyRequest = http.IncomingMessage | http2.Http2ServerRequest;
type AnyResponse = http.ServerResponse | http2.Http2ServerResponse;

export interface Listener {
  port: number;
  close(): Promise<void>;
}

/**
 * Hands accepted connections to one HTTP/1.1 and one HTTP/2 server. The plain listener and the TLS
 * listener (tls.ts) both use it: by the ALPN protocol when one was negotiated, else by the first
 * (decrypted) bytes, so a client that sends the HTTP/2 preface without ALPN is served too.
 */
export interface ConnectionDispatcher {
  dispatch(socket: net.Socket, alpnProtocol?: string | false | null): void;
  /** Ends every connection handed over so far. */
  destroyAll(): void;
}

export function createDispatcher(frontDoor: FrontDoor, log: Logger): ConnectionDispatcher {
  const onRequest = (req: AnyRequest, res: AnyResponse) => {
    serve(frontDoor, req, res, log).catch((err: unknown) => {
      log.error({ err }, 'request failed');
      if (!res.headersSent) {
        res.writeHead(500);
        res.end();
      }
    });
  };
  const h1 = http.createServer({ keepAliveTimeout: 60_000 }, onRequest);
  const h2 = http2.createServer({ maxSessionMemory: 64, settings: { maxConcurrentStreams: 1000 } }, onRequest);
  const sockets = new Set<net.Socket>();
  const toH2 = (socket: net.Socket) => {
    // Node's HTTP/2 server turns away a TLS socket whose ALPN agreed on nothing; this one sent the h2 preface.
    const secure = socket as Partial<tls.TLSSocket>;
    if (secure.encrypted && !secure.alpnProtocol) secure.alpnProtocol = 'h2';
    h2.emit('connection', socket);
  };
  return {
    dispatch(socket, alpnProtocol) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      if (alpnProtocol === 'h2') return toH2(socket);
      if (alpnProtocol === 'http/1.1') return void h1.emit('connection', socket);
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const n = Math.min(head.length, H2_PREFACE.length);
        const maybeH2 = head.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
        if (maybeH2 && head.length < H2_PREFACE.length) return; // wait for the whole preface
        socket.off('data', onData);
        socket.pause();
        // Both servers take over bytes already read from the socket (its readable buffer).
        socket.unshift(head);
        if (maybeH2) toH2(socket);
        else {
          h1.emit('connection', socket);
          socket.resume();
        }
      };
      socket.on('data', onData);
    },
    destroyAll() {
      h1.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    },
  };
}

export async function listen(frontDoor: FrontDoor, host: string, port: number, log: Logger): Promise<Listener> {
  const dispatcher = createDispatcher(frontDoor, log);
  const server = net.createServer((socket) => dispatcher.dispatch(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      dispatcher.destroyAll();
    }),
  };
}

/**
 * The whole request body, gathered where `place` says; undefined past MAX_BODY_BYTES (the rest is
 * read and dropped).
 */
function readBody(req: AnyRequest, place: (size: number) => Buffer): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit, keep draining so the connection stays in step, but keep nothing.
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.once('end', () => {
      ended = true;
      if (size > MAX_BODY_BYTES) resolve(undefined);
      else if (chunks.length === 1) resolve(chunks[0]!);
      else {
        const body = place(size);
        let at = 0;
        for (const chunk of chunks) at += chunk.copy(body, at);
        resolve(body);
      }
    });
    req.once('error', reject);
    // Every request closes, most after their end: an error (and its stack) only for the others.
    req.once('close', () => {
      if (!ended) reject(new Error('request closed before its end'));
    });
  });
}

async function serve(frontDoor: FrontDoor, req: AnyRequest, res: AnyResponse, log: Logger): Promise<void> {
  const body = await readBody(req, (size) => frontDoor.bodyPlace(size));
  let reply: Reply;
  if (body === undefined) {
    reply = errorReply(codecOf(req.headers['content-type']), new KinesisError('SerializationException', 'Request entity too large', 413));
  } else {
    const request: RawRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body };
    reply = await frontDoor.handle(request);
  }
  if (log.isLevelEnabled('trace')) log.trace({ method: req.method, status: reply.status }, 'request');
  if (reply.stream) return writeStream(res, reply.status, reply.headers, reply.stream);
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(reply.body.length) });
  res.end(reply.body);
}

// ---- Event streams (SubscribeToShard) -------------------------------------------------------------

/**
 * Writes a streaming reply frame by frame, then ends it: without a content-length in the headers,
 * it is the chunked body on HTTP/1.1 and DATA frames on HTTP/2. The next frame is asked for only
 * after the last was taken ('drain': HTTP/2 flow control, socket backpressure), so a client that
 * does not read holds up only its own stream and the server keeps few frames for it; each frame is
 * handed to `sent` once the connection has sent it (its write's callback). A client that goes away
 * stops the source; a source that must stop while its client is not reading, or that fails, drops
 * the response rather than end it short.
 */
async function writeStream(res: AnyResponse, status: number, headers: Record<string, string>, stream: StreamingBody): Promise<void> {
  const gone = new AbortController();
  const onClose = () => gone.abort();
  res.once('close', onClose);
  res.writeHead(status, headers);
  let dropped = false;
  try {
    for await (const frame of stream.frames(gone.signal)) {
      if (gone.signal.aborted) break;
      const sent = stream.sent;
      if ((res as http.ServerResponse).write(frame, sent && (() => sent(frame)))) continue;
      if (!(await drained(res, gone.signal, stream.stop))) {
        dropped = true;
        break;
      }
    }
  } catch (err) {
    dropped = true;
    throw err;
  } finally {
    res.off('close', onClose);
    if (dropped && !gone.signal.aborted) drop(res);
    else if (!gone.signal.aborted) res.end();
  }
}

/** True once the response can take more; false if it closed or `stop` aborted first. */
function drained(res: AnyResponse, gone: AbortSignal, stop: AbortSignal): Promise<boolean> {
  if (gone.aborted || stop.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const finish = (ok: boolean) => {
      res.off('drain', onDrain);
      gone.removeEventListener('abort', onAbort);
      stop.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onDrain = () => finish(true);
    const onAbort = () => finish(false);
    res.on('drain', onDrain);
    gone.addEventListener('abort', onAbort);
    stop.addEventListener('abort', onAbort);
  });
}

/** Ends a response that cannot be finished: the HTTP/2 stream is cancelled, an HTTP/1.1 connection closed. */
function drop(res: AnyResponse): void {
  if (res instanceof http2.Http2ServerResponse) res.stream.close(http2.constants.NGHTTP2_CANCEL);
  else res.destroy();
}
