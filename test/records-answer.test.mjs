// Pages of records are written by their own writers (json-records.ts, cbor-records.ts) rather than
// through the generic encoders: for every kind of record the bytes must mean exactly what the
// generic encoding of the same answer, record views and all, gives.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Decoder, addExtension } from 'cbor-x';
import { encodeAnswer, encodeBody } from '../dist/protocol/codec.js';
import { PIECE_BYTES, releasePiece, takePiece } from '../dist/protocol/pieces.js';
import { PutResultList, RecordPage } from '../dist/core/values.js';
import { sequencePrefix } from '../dist/core/sequence-number.js';

const bytes = (n, seed) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) % 256));

// Lengths on both sides of each CBOR head size (23/24, 255/256, 65535/65536) and a key of every kind.
const RECORDS = [
  { counter: 1, arrivalMs: 1795733474212, partitionKey: 'k', data: bytes(0, 1), encrypted: false },
  { counter: 2, arrivalMs: 1795733474212, partitionKey: 'x'.repeat(23), data: bytes(23, 2), encrypted: false },
  { counter: 3, arrivalMs: 1795733474213, partitionKey: 'y'.repeat(24), data: bytes(24, 3), encrypted: true },
  { counter: 4, arrivalMs: 1795733474213, partitionKey: 'ünïcødé ✓ 𝄞', data: bytes(255, 4), encrypted: false },
  { counter: 5, arrivalMs: 1795733474299, partitionKey: 'quote " backslash \\ tab \t nul \u0000', data: bytes(256, 5), encrypted: false },
  { counter: 2 ** 40 - 1, arrivalMs: 1, partitionKey: 'z'.repeat(256), data: bytes(65535, 6), encrypted: true },
  { counter: 123456789, arrivalMs: 1795733474000, partitionKey: '\u2028', data: bytes(65536, 7), encrypted: false },
];

function answers(records, rest) {
  const page = new RecordPage(sequencePrefix(1795733000, 7), records);
  return { written: { Records: page, ...rest }, generic: { Records: page.views(), ...rest } };
}

const ENDS = [
  { NextShardIterator: 'AAAA/iterator+text==', MillisBehindLatest: 0 },
  { MillisBehindLatest: 5_000_000_000, ChildShards: [{ ShardId: 'shardId-000000000003', ParentShards: ['shardId-000000000001'], HashKeyRange: { StartingHashKey: '0', EndingHashKey: '340282366920938463463374607431768211455' } }] },
  { ContinuationSequenceNumber: '49000000000000000000000000000000000000000000000000000001', MillisBehindLatest: 12 },
];

class Millis { constructor(value) { this.value = value; } }
addExtension({ Class: Millis, tag: 1, encode: () => { throw new Error('not used'); }, decode: (v) => new Millis(v) });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

describe('pages of records', () => {
  for (const [i, rest] of ENDS.entries()) {
    it(`JSON: the same bytes as JSON.stringify of the record views (answer ${i + 1})`, () => {
      for (const records of [RECORDS, [], RECORDS.slice(3, 4)]) {
        const { written, generic } = answers(records, rest);
        const a = encodeBody('json', written);
        const b = encodeBody('json', generic);
        assert.equal(a.toString('utf8'), b.toString('utf8'));
        assert.deepEqual(a, Buffer.from(JSON.stringify(generic)));
      }
    });

    it(`CBOR: the same values as the generic encoding of the record views (answer ${i + 1})`, () => {
      for (const records of [RECORDS, [], RECORDS.slice(2, 3)]) {
        const { written, generic } = answers(records, rest);
        const a = decoder.decode(encodeBody('cbor', written));
        const b = decoder.decode(encodeBody('cbor', generic));
        assert.deepEqual(a, b);
        assert.equal(a.Records.length, records.length);
        for (const [j, r] of a.Records.entries()) {
          assert.ok(Buffer.isBuffer(r.Data) || r.Data instanceof Uint8Array);
          assert.deepEqual(Buffer.from(r.Data), records[j].data);
          assert.ok(r.ApproximateArrivalTimestamp instanceof Millis, 'tag 1');
          assert.equal(Number(r.ApproximateArrivalTimestamp.value), records[j].arrivalMs);
          assert.equal(r.PartitionKey, records[j].partitionKey);
          assert.equal(r.EncryptionType, records[j].encrypted ? 'KMS' : undefined);
        }
      }
    });
  }

  it('PutRecords results: JSON the same bytes as JSON.stringify of the result objects, CBOR the same values', () => {
    const prefixes = [sequencePrefix(1795733000, 0), sequencePrefix(1795733001, 12)];
    for (const n of [0, 1, 63, 64, 65, 500]) {
      // Two shards, records alternating irregularly; counters from one digit to sixteen.
      const list = new PutResultList(
        [{ shardId: 'shardId-000000000012', prefix: prefixes[1] }, { shardId: 'shardId-000000000000', prefix: prefixes[0] }],
        Uint32Array.from({ length: n }, (_, i) => (i % 3 ? 1 : 0)),
        Float64Array.from({ length: n }, (_, i) => (i % 5 === 4 ? 2 ** 53 - 1 - i : i * 7919 + 1)),
      );
      for (const extra of [{}, { EncryptionType: 'KMS' }]) {
        const written = { FailedRecordCount: 0, Records: list, ...extra };
        const generic = { FailedRecordCount: 0, Records: list.views(), ...extra };
        assert.deepEqual(encodeBody('json', written), Buffer.from(JSON.stringify(generic)));
        assert.deepEqual(decoder.decode(encodeBody('cbor', written)), decoder.decode(encodeBody('cbor', generic)));
        const parsed = JSON.parse(encodeBody('json', written).toString());
        assert.equal(parsed.Records.length, n);
        if (n > 0) assert.equal(parsed.Records[0].SequenceNumber, `${prefixes[1]}${'1'.padStart(32, '0')}`);
      }
    }
  });

  it('CBOR: integers stay integers and the map heads count their members', () => {
    const { written } = answers(RECORDS.slice(0, 1), ENDS[1]);
    const buf = encodeBody('cbor', written);
    assert.equal(buf[0], 0xa0 | 3, 'a map of three members');
    const out = decoder.decode(buf);
    assert.equal(typeof out.MillisBehindLatest, 'bigint');
    assert.equal(out.MillisBehindLatest, 5_000_000_000n);
    assert.ok(out.Records[0].ApproximateArrivalTimestamp instanceof Millis);
  });

  it('large answers come in pieces of reused memory whose lengths add up to the announced one', () => {
    // Many small records over several pieces, one record larger than a piece, and a key that is
    // not ASCII near a piece's end.
    const records = [];
    for (let i = 0; i < 700; i++) records.push({ counter: i + 1, arrivalMs: 1795733474212 + i, partitionKey: i % 97 === 5 ? `ключ-${i}` : `k${i}`, data: bytes(1000 + (i % 40), i), encrypted: i % 50 === 0 });
    records.splice(300, 0, { counter: 9999, arrivalMs: 1795733474999, partitionKey: 'big', data: bytes(PIECE_BYTES + 1000, 9), encrypted: false });
    const { written, generic } = answers(records, ENDS[0]);
    for (const codec of ['json', 'cbor']) {
      const body = encodeAnswer(codec, written);
      assert.ok(!Buffer.isBuffer(body), 'a pieced body');
      const pieces = [...body.pieces()];
      assert.ok(pieces.length > 3, `${pieces.length} pieces`);
      assert.equal(pieces.reduce((n, p) => n + p.length, 0), body.length);
      // Only the piece made for the large record is larger than a piece.
      assert.equal(pieces.filter((p) => p.length > PIECE_BYTES).length, 1);
      const whole = Buffer.concat(pieces);
      if (codec === 'json') assert.deepEqual(whole, Buffer.from(JSON.stringify(generic)));
      else assert.deepEqual(decoder.decode(whole), decoder.decode(encodeBody('cbor', generic)));
      for (const p of pieces) releasePiece(p);
    }
    // Released pieces are taken again, and a piece goes back only once.
    const a = takePiece();
    releasePiece(a);
    releasePiece(a);
    const b = takePiece();
    const c = takePiece();
    assert.equal(b.buffer, a.buffer);
    assert.notEqual(c.buffer, a.buffer);
  });
});

