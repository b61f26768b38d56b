// Pagination tokens (ListStreams, later ListShards and ListStreamConsumers): opaque, authenticated,
// and stamped with their issue time so that an old one can be refused as expired.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export const PAGE_TOKEN_TTL_MS = 300_000;

export interface PageToken<T> {
  issuedMs: number;
  value: T;
}

export class PageTokenCodec {
  private readonly key: Buffer;
  constructor(secret: Buffer, purpose: string) {
    this.key = createHash('sha256').update(`sluice page token ${purpose}`).update(secret).digest();
  }

  encode<T>(value: T, issuedMs: number): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.from(JSON.stringify({ t: issuedMs, v: value }));
    const sealed = Buffer.concat([cipher.update(body), cipher.final()]);
    return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64');
  }

  decode<T>(token: string): PageToken<T> | undefined {
    const raw = Buffer.from(token, 'base64');
    if (raw.length < 29) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      const body = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
      const parsed = JSON.parse(body.toString('utf8')) as { t: number; v: T };
      return { issuedMs: parsed.t, value: parsed.v };
    } catch {
      return undefined;
    }
  }
}
