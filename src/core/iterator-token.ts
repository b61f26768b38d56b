// Shard iterators: opaque, authenticated and encrypted with AES-256-GCM under the server's secret,
// so that a client can neither forge nor alter one, and a restart (same secret) keeps them valid.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export interface IteratorPosition {
  streamUid: number;
  /** Carried so that an iterator of a stream deleted since can still be answered with the stream's name. */
  streamName: string;
  shardIndex: number;
  /** Next counter to read, inclusive. */
  counter: number;
  issuedMs: number;
}

const VERSION = 2;
/** The fixed part of the body; the stream name (1..128 ASCII bytes) follows it. */
const BODY_BYTES = 1 + 8 + 4 + 8 + 8;
const SEAL_BYTES = 12 + 16;

export class IteratorCodec {
  private readonly key: Buffer;
  constructor(secret: Buffer) {
    this.key = createHash('sha256').update('sluice shard iterator').update(secret).digest();
  }

  encode(p: IteratorPosition): string {
    const name = Buffer.from(p.streamName, 'utf8');
    const body = Buffer.alloc(BODY_BYTES + name.length);
    name.copy(body, BODY_BYTES);
    body.writeUInt8(VERSION, 0);
    body.writeBigUInt64BE(BigInt(p.streamUid), 1);
    body.writeUInt32BE(p.shardIndex, 9);
    body.writeBigUInt64BE(BigInt(p.counter), 13);
    body.writeBigUInt64BE(BigInt(p.issuedMs), 21);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(body), cipher.final()]);
    return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64');
  }

  /** The position, or undefined when the token was not made by this server or was altered. */
  decode(token: string): IteratorPosition | undefined {
    const raw = Buffer.from(token, 'base64');
    if (raw.length <= SEAL_BYTES + BODY_BYTES || raw.toString('base64') !== token) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      const body = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
      if (body.readUInt8(0) !== VERSION) return undefined;
      return {
        streamUid: Number(body.readBigUInt64BE(1)),
        streamName: body.subarray(BODY_BYTES).toString('utf8'),
        shardIndex: body.readUInt32BE(9),
        counter: Number(body.readBigUInt64BE(13)),
        issuedMs: Number(body.readBigUInt64BE(21)),
      };
    } catch {
      return undefined;
    }
  }
}

/** An iterator is good for five minutes after it is issued. */
export const ITERATOR_TTL_MS = 300_000;

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A time as Java's Date.toString prints it in UTC, the form the service's messages use. */
export function javaDate(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}
