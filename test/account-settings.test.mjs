// DescribeAccountSettings and UpdateAccountSettings: the minimum throughput billing commitment, its
// 24-hour minimum, the scheduled end and its cancellation, per account and region, across restarts.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { DescribeAccountSettingsCommand, UpdateAccountSettingsCommand } from '@aws-sdk/client-kinesis';
import { rawRequest, startServer, tempDir } from './helpers.mjs';

const DAY_MS = 24 * 3_600_000;

describe('account settings', () => {
  let server;
  let client;
  const describeSettings = async (c = client) => (await c.send(new DescribeAccountSettingsCommand({}))).MinimumThroughputBillingCommitment;
  const update = async (Status, c = client) =>
    (await c.send(new UpdateAccountSettingsCommand({ MinimumThroughputBillingCommitment: { Status } }))).MinimumThroughputBillingCommitment;
  before(async () => {
    server = await startServer();
    client = server.client();
  });
  after(async () => { await server.stop(); server.cleanup(); });

  it('an account that never committed is DISABLED, with no timestamps', async () => {
    const raw = await rawRequest(server.endpoint, { target: 'DescribeAccountSettings', body: {} });
    assert.equal(raw.status, 200);
    assert.deepEqual(raw.json, { MinimumThroughputBillingCommitment: { Status: 'DISABLED' } });
  });

  it('enable, early disable (scheduled end), cancel, disable again, and the end arriving on its own', async () => {
    const t0 = await server.advanceClock(0);
    const on = await update('ENABLED');
    assert.equal(on.Status, 'ENABLED');
    const started = on.StartedAt.getTime();
    assert.ok(Math.abs(started - t0) < 5_000, `StartedAt ${started} is now (${t0})`);
    assert.equal(on.EarliestAllowedEndAt.getTime(), started + DAY_MS, 'the commitment lasts at least 24 hours');
    assert.equal(on.EndedAt, undefined);
    assert.deepEqual(await describeSettings(), on);

    // Enabling again changes nothing.
    assert.deepEqual(await update('ENABLED'), on);

    // Disabling within the 24 hours schedules the end.
    await server.advanceClock(3_600_000);
    const ending = await update('DISABLED');
    assert.equal(ending.Status, 'ENABLED_UNTIL_EARLIEST_ALLOWED_END');
    assert.equal(ending.StartedAt.getTime(), started);
    assert.equal(ending.EarliestAllowedEndAt.getTime(), started + DAY_MS);
    assert.equal(ending.EndedAt, undefined);
    assert.deepEqual(await describeSettings(), ending);
    assert.deepEqual(await update('DISABLED'), ending, 'disabling again changes nothing');

    // Enabling before the end cancels it and keeps the original commitment.
    const cancelled = await update('ENABLED');
    assert.equal(cancelled.Status, 'ENABLED');
    assert.equal(cancelled.StartedAt.getTime(), started);
    assert.equal(cancelled.EarliestAllowedEndAt.getTime(), started + DAY_MS);

    // Schedule the end again and let it arrive without any call.
    await update('DISABLED');
    await server.advanceClock(DAY_MS);
    const ended = await describeSettings();
    assert.equal(ended.Status, 'DISABLED');
    assert.equal(ended.StartedAt.getTime(), started);
    assert.equal(ended.EndedAt.getTime(), started + DAY_MS, 'it ended at the earliest allowed end');

    // A new commitment starts afresh.
    const t1 = await server.advanceClock(1_000);
    const again = await update('ENABLED');
    assert.equal(again.Status, 'ENABLED');
    assert.ok(Math.abs(again.StartedAt.getTime() - t1) < 5_000);
    assert.equal(again.EarliestAllowedEndAt.getTime(), again.StartedAt.getTime() + DAY_MS);
    assert.equal(again.EndedAt, undefined);

    // After the 24 hours, disabling ends it at once.
    await server.advanceClock(DAY_MS + 1_000);
    const off = await update('DISABLED');
    assert.equal(off.Status, 'DISABLED');
    assert.ok(off.EndedAt.getTime() >= again.EarliestAllowedEndAt.getTime());
    assert.equal(off.StartedAt.getTime(), again.StartedAt.getTime());
    assert.deepEqual(await describeSettings(), off);
    assert.deepEqual(await update('DISABLED'), off, 'disabling a disabled commitment changes nothing');
  });

  it('is kept per account and region', async () => {
    const other = server.client({ credentials: { accessKeyId: '111111111111', secretAccessKey: 'x' } });
    const otherRegion = server.client({ region: 'eu-west-1' });
    assert.equal((await describeSettings(other)).Status, 'DISABLED');
    assert.equal((await describeSettings(otherRegion)).Status, 'DISABLED');
    await update('ENABLED', other);
    assert.equal((await describeSettings(other)).Status, 'ENABLED');
    assert.equal((await describeSettings(otherRegion)).Status, 'DISABLED', 'another region of the default account is untouched');
    const elsewhere = server.client({ credentials: { accessKeyId: '111111111111', secretAccessKey: 'x' }, region: 'eu-west-1' });
    assert.equal((await describeSettings(elsewhere)).Status, 'DISABLED', 'the same account in another region is untouched');
  });

  it('validates the Status with AWS wording', async () => {
    const bad = await rawRequest(server.endpoint, { target: 'UpdateAccountSettings', body: { MinimumThroughputBillingCommitment: { Status: 'ENABLED_UNTIL_EARLIEST_ALLOWED_END' } } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.__type, 'ValidationException');
    assert.equal(bad.json.message,
      "1 validation error detected: Value 'ENABLED_UNTIL_EARLIEST_ALLOWED_END' at 'minimumThroughputBillingCommitment.status' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]");
    const missing = await rawRequest(server.endpoint, { target: 'UpdateAccountSettings', body: {} });
    assert.equal(missing.json.message,
      "1 validation error detected: Value null at 'minimumThroughputBillingCommitment' failed to satisfy constraint: Member must not be null");
    const noStatus = await rawRequest(server.endpoint, { target: 'UpdateAccountSettings', body: { MinimumThroughputBillingCommitment: {} } });
    assert.equal(noStatus.json.message,
      "1 validation error detected: Value null at 'minimumThroughputBillingCommitment.status' failed to satisfy constraint: Member must not be null");
  });
});

describe('account settings survive a restart', () => {
  it('keeps the commitment in the data directory', async () => {
    const dataDir = tempDir();
    let server = await startServer({ dataDir });
    try {
      const on = (await server.client().send(new UpdateAccountSettingsCommand({ MinimumThroughputBillingCommitment: { Status: 'ENABLED' } })))
        .MinimumThroughputBillingCommitment;
      await server.stop();
      server = await startServer({ dataDir });
      const after = (await server.client().send(new DescribeAccountSettingsCommand({}))).MinimumThroughputBillingCommitment;
      assert.deepEqual(after, on);
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
