// The fast reading of PutRecords JSON bodies (src/protocol/put-records-json.ts) against the
// generic one (JSON.parse, then validation from the model): on thousands of generated bodies,
// good and bad, it either gives up or gives exactly the generic input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPutRecordsJson } from '../dist/protocol/put-records-json.js';
import { decodeBase64Bytes, viewOf } from '../dist/protocol/base64.js';
import { RecordBatch } from '../dist/core/record-batch.js';
import { decodeCanonicalBase64, readInput } from '../dist/protocol/validate.js';

/** A small seeded generator, so that a failure can be replayed. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  const next = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>> 0) / 2 ** 32);
  return { next, int: (n) => Math.floor(next() * n), pick: (a) => a[Math.floor(next() * a.length)] };
}

const KEYS = ['k', 'key-1', 'ü', '日本語', '\u{1F600}', ' ', 'p'.repeat(256), '</x>', '\u007f'];
/** Keys that JSON writes with escapes: bodies holding one go the generic way. */
const ESCAPED_KEYS = ['a"b', 'back\\slash', 'tab\there', '\u0001'];
const WS = ['', ' ', '\n', '\t', '\r\n  '];

function generic(body) {
  let value;
  try { value = JSON.parse(body.toString('utf8')); } catch { return { error: 'SerializationException' }; }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'SerializationException' };
  try { return { input: readInput('PutRecords', value) }; } catch (err) { return { error: err.name }; }
}

/** JSON text of `value` with members in random order and random whitespace. */
function write(r, value) {
  const w = () => r.pick(WS);
  if (Array.isArray(value)) return `[${w()}${value.map((v) => write(r, v)).join(`${w()},${w()}`)}${w()}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    for (let i = entries.length - 1; i > 0; i--) { const j = r.int(i + 1); [entries[i], entries[j]] = [entries[j], entries[i]]; }
    return `{${w()}${entries.map(([k, v]) => `${JSON.stringify(k)}${w()}:${w()}${write(r, v)}`).join(`${w()},${w()}`)}${w()}}`;
  }
  return JSON.stringify(value);
}

function goodBody(r) {
  const n = 1 + r.int(20);
  const records = Array.from({ length: n }, () => {
    const rec = { Data: Buffer.from(Array.from({ length: r.int(40) }, () => r.int(256))).toString('base64'), PartitionKey: r.pick(r.next() < 0.01 ? ESCAPED_KEYS : KEYS) };
    if (r.next() < 0.2) rec.ExplicitHashKey = r.pick(['0', '1', '340282366920938463463374607431768211455', String(r.int(1e9))]);
    return rec;
  });
  const body = { Records: records };
  const target = r.int(4);
  if (target !== 1) body.StreamName = r.pick(['s', 'my-stream', 'a.b_c-d']);
  if (target >= 1) body.StreamARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/my-stream';
  if (target === 3) body.StreamId = 'x';
  return body;
}

/** Breaks a good body in one of many ways. */
function mutate(r, body) {
  const rec = body.Records[r.int(body.Records.length)];
  const kinds = [
    () => { rec.Data = r.pick([12, null, true, 'abc', 'ab=c', 'YQ', 'YR==', 'YQ==', 'YWJ=', 'YWI=', 'Y===', '=AAA', 'YW\u00e9=', 'a-_b', '', {}, []]); },
    () => { rec.PartitionKey = r.pick(['', 'p'.repeat(257), null, 5, ['x']]); },
    () => { rec.ExplicitHashKey = r.pick(['01', '-1', 'x', '1'.repeat(40), '', null, 7]); },
    () => { rec.Extra = 'x'; },
    () => { delete rec.Data; },
    () => { delete rec.PartitionKey; },
    () => { body.Records = []; },
    () => { body.Records = Array.from({ length: 501 }, () => ({ Data: '', PartitionKey: 'k' })); },
    () => { body.Records.push(null); },
    () => { body.StreamName = r.pick(['', 'bad name', 'x'.repeat(129), 7, null]); },
    () => { body.StreamARN = r.pick(['arn:nope', '', 9]); },
    () => { body.Other = 1; },
    () => { body.Records = 'x'; },
  ];
  r.pick(kinds)();
  return body;
}

/** Damages the text itself. */
function damage(r, text) {
  const i = r.int(text.length);
  return r.pick([
    () => text.slice(0, i),
    () => text + r.pick(['x', ',', '}', ' ']),
    () => text.slice(0, i) + r.pick(['\\', '"', '\u0000', ',', '{', 'é']) + text.slice(i),
    () => '\ufeff' + text,
    () => text.replace('"Data"', '"Data":"AAAA","Data"'),
    () => text.replace('"PartitionKey":"', '"PartitionKey":"\\u0041'),
    () => text.replace('"Records"', '"Rec\\u006frds"'),
  ])();
}

/** The fast reading with its records as the generic reading gives them. */
function fastReading(body) {
  const input = readPutRecordsJson(body);
  if (input === undefined) return undefined;
  const batch = input.Records;
  assert.ok(batch instanceof RecordBatch);
  const data = (i) => batch.data.subarray(batch.start(i), batch.ends[i]);
  const Records = batch.partitionKeys.map((PartitionKey, i) => {
    const ExplicitHashKey = batch.explicitHashKeys?.[i];
    return ExplicitHashKey === undefined ? { Data: data(i), PartitionKey } : { Data: data(i), ExplicitHashKey, PartitionKey };
  });
  return { ...input, Records };
}

function check(body, counts) {
  const fast = fastReading(body);
  const slow = generic(body);
  if (fast === undefined) { counts.gaveUp++; return; }
  counts.read++;
  assert.ok(slow.input, `the fast reading accepted what the generic one refuses (${slow.error}): ${body.toString().slice(0, 300)}`);
  assert.deepEqual(fast, slow.input, body.toString().slice(0, 300));
}

describe('PutRecords JSON fast reading', () => {
  it('reads plainly valid bodies exactly as the generic reading does', () => {
    const r = rng(1);
    const counts = { read: 0, gaveUp: 0 };
    for (let i = 0; i < 1500; i++) check(Buffer.from(write(r, goodBody(r))), counts);
    // Keys with quotes, backslashes or control characters need escapes: those bodies go the generic way.
    assert.ok(counts.read > 500, `read ${counts.read} of 1500`);
    // The canonical shape the SDKs send is always read fast.
    const canonical = Buffer.from(JSON.stringify({ StreamName: 's', Records: [{ Data: 'AAEC', PartitionKey: 'k' }, { Data: '', PartitionKey: 'ü', ExplicitHashKey: '5' }] }));
    assert.deepEqual(fastReading(canonical), { Records: [{ Data: Buffer.from([0, 1, 2]), PartitionKey: 'k' }, { Data: Buffer.alloc(0), ExplicitHashKey: '5', PartitionKey: 'ü' }], StreamName: 's' });
  });

  it('never accepts a broken body, and never reads one differently', () => {
    const r = rng(2);
    const counts = { read: 0, gaveUp: 0 };
    for (let i = 0; i < 1500; i++) check(Buffer.from(write(r, mutate(r, goodBody(r)))), counts);
    for (let i = 0; i < 1500; i++) check(Buffer.from(damage(r, write(r, goodBody(r)))), counts);
    // Bytes that are not UTF-8 read as the generic reading reads them (replacement characters).
    check(Buffer.concat([Buffer.from('{"StreamName":"s","Records":[{"Data":"","PartitionKey":"a'), Buffer.from([0xe2, 0x82]), Buffer.from('"}]}')]), counts);
    check(Buffer.concat([Buffer.from('{"StreamName":"s","Records":[{"Data":"","PartitionKey":"'), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('"}]}')]), counts);
    assert.ok(counts.gaveUp > 1500, `gave up on ${counts.gaveUp}`);
  });

  it('decodes base64 from bytes exactly when, and as, the text is canonical', () => {
    const r = rng(3);
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const out = Buffer.alloc(4096);
    let valid = 0;
    for (let i = 0; i < 20000; i++) {
      let text = Buffer.from(Array.from({ length: r.int(r.next() < 0.5 ? 16 : 200) }, () => r.int(256))).toString('base64');
      // Damage some: a stray or url-safe character, padding moved or cut, bits set past the end.
      const k = r.int(10);
      if (k === 0 && text.length) text = text.slice(0, r.int(text.length)) + r.pick(['-', '_', ' ', '=', '\n', '"', '\u00e9', '\u0000']) + text.slice(r.int(text.length));
      else if (k === 1 && text.endsWith('=')) text = text.slice(0, -1);
      else if (k === 2 && text.length) { const j = r.int(text.length); text = text.slice(0, j) + r.pick([...ALPHABET]) + text.slice(j + 1); }
      else if (k === 3) text = text + r.pick(['=', '==', 'A=', 'AA==']);
      const bytes = Buffer.from(`x"${text}"y`, 'utf8');
      const at = r.int(8);
      const end = decodeBase64Bytes(bytes, viewOf(bytes), 2, bytes.length - 2, out, viewOf(out), at);
      const expected = bytes.length - 4 === Buffer.byteLength(text) ? decodeCanonicalBase64(text) : undefined;
      if (expected === undefined) {
        assert.equal(end, -1, `accepted ${JSON.stringify(text)}`);
      } else {
        valid++;
        assert.deepEqual(out.subarray(at, end), expected, JSON.stringify(text));
      }
    }
    assert.ok(valid > 10000 && valid < 19000, `valid ${valid}`);
  });
});
