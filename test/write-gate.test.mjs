// The order of writes on the embedded engine (src/storage/sqlite/write-gate.ts): record writes in
// flight on the writer thread, exclusive writes on the event loop's connection, and the
// checkpointer's pause. Races between them are rare under real load, so the rules are checked here
// step by step; test/writes-under-load.test.mjs drives the same through a real server.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WriteGate } from '../dist/storage/sqlite/write-gate.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('write gate', () => {
  it('an exclusive write waits for every record write in flight, and runs before record writes that came after it', async () => {
    const gate = new WriteGate();
    const events = [];
    await gate.enterRecordWrite();
    await gate.enterRecordWrite();
    const exclusive = gate.exclusive(() => events.push('exclusive'));
    // A record write arriving now waits for the exclusive one.
    const later = gate.enterRecordWrite().then(() => events.push('later record write'));
    await tick();
    assert.deepEqual(events, []);
    gate.recordWriteDone();
    await tick();
    assert.deepEqual(events, [], 'one record write still in flight');
    gate.recordWriteDone();
    await exclusive;
    await later;
    assert.deepEqual(events, ['exclusive', 'later record write']);
    gate.recordWriteDone();
  });

  it('record writes do not wait for each other; a write knows when it is the only one in flight', async () => {
    const gate = new WriteGate();
    await gate.enterRecordWrite();
    assert.equal(gate.alone(), true, 'alone: it may be stored at once without overtaking another');
    await gate.enterRecordWrite();
    assert.equal(gate.alone(), false);
    gate.recordWriteDone();
    gate.recordWriteDone();
    for (let i = 0; i < 5; i++) await gate.enterRecordWrite();
    assert.equal(gate.alone(), false);
    for (let i = 0; i < 5; i++) gate.recordWriteDone();
    let ran = false;
    await gate.exclusive(() => { ran = true; });
    assert.ok(ran);
  });

  it('the checkpointer is told to go ahead once no record write runs; every write waits until it is done', async () => {
    const gate = new WriteGate();
    await gate.enterRecordWrite();
    let ready = false;
    const pausing = gate.pause(() => { ready = true; });
    await tick();
    assert.equal(ready, false, 'a record write is in flight');
    gate.recordWriteDone();
    await pausing;
    assert.equal(ready, true);
    const events = [];
    const record = gate.enterRecordWrite().then(() => events.push('record write'));
    const exclusive = gate.exclusive(() => events.push('exclusive'));
    await tick();
    assert.deepEqual(events, [], 'both wait while paused');
    gate.resume();
    await Promise.all([record, exclusive]);
    assert.equal(events.length, 2);
    gate.recordWriteDone();
  });

  it('two exclusive writes never overlap a record write, and a failing one releases the gate', async () => {
    const gate = new WriteGate();
    await gate.enterRecordWrite();
    const a = gate.exclusive(() => { throw new Error('refused'); });
    const b = gate.exclusive(() => 'b');
    gate.recordWriteDone();
    await assert.rejects(a, /refused/);
    assert.equal(await b, 'b');
    await gate.enterRecordWrite();
    gate.recordWriteDone();
  });
});
