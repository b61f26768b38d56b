// One TCP port for HTTP/1.1 and cleartext HTTP/2 (prior knowledge, as the JS SDK v3 speaks it):
// the first bytes of a connection tell which; the socket then goes to the matching Node server.
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { Logger } from 'pino';
import { KinesisError } from '../core/errors.js';
import { CONTENT_TYPES, type Codec } from '../protocol/codec.js';
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

export async function listen(frontDoor: FrontDoor, host: string, port: number, log: Logger): Promise<Listener> {
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
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
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
      (maybeH2 ? h2 : h1).emit('connection', socket);
      if (!maybeH2) socket.resume();
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      h1.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    }),
  };
}

async function readBody(req: AnyRequest): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Past the limit, keep draining so the connection stays in step, but keep nothing.
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  if (size > MAX_BODY_BYTES) return undefined;
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

async function serve(frontDoor: FrontDoor, req: AnyRequest, res: AnyResponse, log: Logger): Promise<void> {
  const body = await readBody(req);
  let reply: Reply;
  if (body === undefined) {
    reply = errorReply(codecOf(req.headers['content-type']), new KinesisError('SerializationException', 'Request entity too large', 413));
  } else {
    const request: RawRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body };
    reply = await frontDoor.handle(request);
  }
  if (log.isLevelEnabled('trace')) log.trace({ method: req.method, status: reply.status }, 'request');
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(reply.body.length) });
  res.end(reply.body);
}
