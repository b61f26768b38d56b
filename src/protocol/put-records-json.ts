// A fast reading of the commonest large request: a PutRecords body in JSON that is plainly valid.
// JSON.parse would first copy the whole body (most of a megabyte) into a string, then build every
// record's base64 text as a string of its own; the generic validation then walks each record. Here
// the body's bytes are read in place and each record checked against the model's constraints as it
// is read.
//
// It only ever says yes: anything it does not plainly understand (escapes in strings, a member it
// does not know, a null, a number, a value breaking a constraint, malformed JSON) makes it give up,
// and the body goes the generic way, which gives the service's exact error or the same input. So
// for every body it reads, its result equals readInput('PutRecords', JSON.parse(body)) (its records
// as a RecordBatch, core/record-batch.ts).
import { RecordBatch } from '../core/record-batch.js';
import { decodeBase64Bytes, viewOf } from './base64.js';
import { matchesPattern, memberConstraints } from './validate.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

// The constraints, from the model.
const RECORDS = memberConstraints('PutRecordsInput', 'Records');
const DATA = memberConstraints('PutRecordsRequestEntry', 'Data');
const PARTITION_KEY = memberConstraints('PutRecordsRequestEntry', 'PartitionKey');
const HASH_KEY = memberConstraints('PutRecordsRequestEntry', 'ExplicitHashKey');
/** The top-level members and their constraints (all strings but Records). */
const TOP = ['StreamName', 'StreamARN', 'StreamId'].map((name) => ({ name, c: memberConstraints('PutRecordsInput', name) }));

/** Thrown to give up; caught once, at the top. */
class GiveUp extends Error {}
const giveUp = new GiveUp();

class Scanner {
  at = 0;
  /** Where records' data are decoded, and how far it is filled. */
  dataAt = 0;
  readonly keys: string[] = [];
  /** Where each record's data end in `data`. */
  readonly ends: Uint32Array;
  explicit?: (string | undefined)[];
  /** DataViews of the body and of the data, for the base64 decoder. */
  readonly bodyView: DataView;
  readonly dataView: DataView;
  constructor(readonly body: Buffer, readonly data: Buffer) {
    this.ends = new Uint32Array(RECORDS.maxLength ?? 500);
    this.bodyView = viewOf(body);
    this.dataView = viewOf(data);
  }

  /** Skips JSON whitespace; the next byte (or -1 at the end). */
  peek(): number {
    const b = this.body;
    let at = this.at;
    while (at < b.length) {
      const c = b[at]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      at++;
    }
    this.at = at;
    return at < b.length ? b[at]! : -1;
  }

  expect(byte: number): void {
    if (this.peek() !== byte) throw giveUp;
    this.at++;
  }

  /** The bytes [start, end) of the last string read by stringBounds(). */
  start = 0;
  end = 0;

  /**
   * Reads a string's bytes up to the next quote into [start, end); `at` moves past it. The caller
   * makes sure they hold no escape or control character (see string(), and base64 for data).
   */
  stringBounds(): void {
    if (this.peek() !== QUOTE) throw giveUp;
    const start = this.at + 1;
    const end = this.body.indexOf(QUOTE, start);
    if (end < 0) throw giveUp;
    this.at = end + 1;
    this.start = start;
    this.end = end;
  }

  /** A string without escapes or control characters. */
  string(): string {
    this.stringBounds();
    const { body: b, start, end } = this;
    for (let i = start; i < end; i++) {
      const c = b[i]!;
      if (c === BACKSLASH || c < 0x20) throw giveUp;
    }
    return b.toString('utf8', start, end);
  }

  /** Whether the last string read is exactly `name` (ASCII). Made into a string, every record's member names would be garbage. */
  is(name: Buffer): boolean {
    const { body, start } = this;
    if (this.end - start !== name.length) return false;
    // Byte by byte: Buffer.compare's argument checks cost more than comparing a dozen bytes.
    for (let i = 0; i < name.length; i++) if (body[start + i] !== name[i]) return false;
    return true;
  }

  /** `{` then member names, each followed by a call of `member`; `}`. */
  object(member: (name: string) => void): void {
    this.expect(OPEN_BRACE);
    if (this.peek() === CLOSE_BRACE) {
      this.at++;
      return;
    }
    for (;;) {
      const name = this.string();
      this.expect(COLON);
      member(name);
      const next = this.peek();
      this.at++;
      if (next === CLOSE_BRACE) return;
      if (next !== COMMA) throw giveUp;
    }
  }
}

function checkLength(n: number, c: { minLength?: number; maxLength?: number }): void {
  if ((c.minLength !== undefined && n < c.minLength) || (c.maxLength !== undefined && n > c.maxLength)) throw giveUp;
}

function checkString(value: string, c: { minLength?: number; maxLength?: number; pattern?: string }): void {
  checkLength(value.length, c);
  if (c.pattern !== undefined && !matchesPattern(c.pattern, value)) throw giveUp;
}

const DATA_NAME = Buffer.from('Data');
const PARTITION_KEY_NAME = Buffer.from('PartitionKey');
const HASH_KEY_NAME = Buffer.from('ExplicitHashKey');

/** Reads one record into the scanner's lists (no closure or member name string per record). */
function entry(s: Scanner): void {
  let dataEnd = -1;
  let partitionKey: string | undefined;
  let hashKey: string | undefined;
  s.expect(OPEN_BRACE);
  for (;;) {
    // A member name with an escape or of another member matches none of the three: the body goes the generic way.
    s.stringBounds();
    s.expect(COLON);
    if (s.is(DATA_NAME) && dataEnd < 0) {
      // Canonical base64 has no quote, backslash or control character: any of them (an escaped
      // quote ending the string early included) makes the text fail the check and the body go
      // the generic way.
      s.stringBounds();
      dataEnd = decodeBase64Bytes(s.body, s.bodyView, s.start, s.end, s.data, s.dataView, s.dataAt);
      if (dataEnd < 0) throw giveUp;
      checkLength(dataEnd - s.dataAt, DATA);
    } else if (s.is(PARTITION_KEY_NAME) && partitionKey === undefined) {
      partitionKey = s.string();
      checkString(partitionKey, PARTITION_KEY);
    } else if (s.is(HASH_KEY_NAME) && hashKey === undefined) {
      hashKey = s.string();
      checkString(hashKey, HASH_KEY);
    } else {
      throw giveUp;
    }
    const next = s.peek();
    s.at++;
    if (next === CLOSE_BRACE) break;
    if (next !== COMMA) throw giveUp;
  }
  const i = s.keys.length;
  if (dataEnd < 0 || partitionKey === undefined || i === s.ends.length) throw giveUp;
  s.keys.push(partitionKey);
  s.ends[i] = dataEnd;
  s.dataAt = dataEnd;
  if (hashKey !== undefined) (s.explicit ??= [])[i] = hashKey;
}

/**
 * The PutRecords input of a plainly valid JSON body, its records as a RecordBatch, or undefined to
 * read it the generic way. The records' data are decoded into `target` (room for three bytes per
 * four of the body; new memory if not given), end to end from its start, and are views of it.
 */
export function readPutRecordsJson(body: Buffer, target?: Buffer): Record<string, unknown> | undefined {
  const s = new Scanner(body, target ?? Buffer.allocUnsafe(Math.floor(body.length / 4) * 3));
  const top = new Map<string, string>();
  let records = false;
  try {
    s.object((name) => {
      if (name === 'Records' && !records) {
        records = true;
        s.expect(OPEN_BRACKET);
        if (s.peek() === CLOSE_BRACKET) {
          s.at++;
          return;
        }
        for (;;) {
          entry(s);
          const next = s.peek();
          s.at++;
          if (next === CLOSE_BRACKET) return;
          if (next !== COMMA) throw giveUp;
        }
      }
      if (!TOP.some((t) => t.name === name) || top.has(name)) throw giveUp;
      top.set(name, s.string());
    });
    if (s.peek() !== -1 || !records) throw giveUp;
    const n = s.keys.length;
    checkLength(n, RECORDS);
    const explicit = s.explicit;
    if (explicit && explicit.length < n) explicit.length = n;
    // In the model's member order, as the generic reading builds it.
    const input: Record<string, unknown> = { Records: new RecordBatch(s.keys, s.data.subarray(0, s.dataAt), s.ends.subarray(0, n), explicit) };
    for (const { name, c } of TOP) {
      const value = top.get(name);
      if (value === undefined) continue;
      checkString(value, c);
      input[name] = value;
    }
    return input;
  } catch (err) {
    if (err === giveUp) return undefined;
    throw err;
  }
}
