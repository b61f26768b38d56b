// DescribeAccountSettings and UpdateAccountSettings: the minimum throughput billing commitment
// (On-demand Advantage) of an account in a region. A commitment lasts at least 24 hours: disabling
// it earlier schedules the end (ENABLED_UNTIL_EARLIEST_ALLOWED_END) for EarliestAllowedEndAt, and
// enabling it again before then cancels the scheduled end.
//
// Kept with store.putAccountSettings as JSON, in the shape the output has, timestamps in epoch ms:
//   {"MinimumThroughputBillingCommitment":{"Status":"ENABLED","StartedAt":…,"EarliestAllowedEndAt":…}}
// A scheduled end that has passed is applied when the settings are next read (commitmentOf).
import { Timestamp } from '../core/values.js';
import type { Store } from '../storage/store.js';
import type { Operation } from './context.js';

/** The shortest commitment: it cannot end before this long after it started. */
export const COMMITMENT_MIN_MS = 24 * 3_600_000;

export type CommitmentStatus = 'ENABLED' | 'DISABLED' | 'ENABLED_UNTIL_EARLIEST_ALLOWED_END';

export interface Commitment {
  Status: CommitmentStatus;
  StartedAt?: number;
  EndedAt?: number;
  EarliestAllowedEndAt?: number;
}

interface AccountSettings {
  MinimumThroughputBillingCommitment?: Commitment;
}

async function readSettings(store: Store, account: string, region: string): Promise<AccountSettings> {
  const text = await store.getAccountSettings(account, region);
  return text === undefined ? {} : (JSON.parse(text) as AccountSettings);
}

/** The account's commitment as of `nowMs` (DISABLED if it never had one). */
export async function commitmentOf(store: Store, account: string, region: string, nowMs: number): Promise<Commitment> {
  const settings = await readSettings(store, account, region);
  const c = settings.MinimumThroughputBillingCommitment ?? { Status: 'DISABLED' };
  if (c.Status === 'ENABLED_UNTIL_EARLIEST_ALLOWED_END' && c.EarliestAllowedEndAt !== undefined && nowMs >= c.EarliestAllowedEndAt) {
    const ended: Commitment = { ...c, Status: 'DISABLED', EndedAt: c.EarliestAllowedEndAt };
    await store.putAccountSettings(account, region, JSON.stringify({ ...settings, MinimumThroughputBillingCommitment: ended }));
    return ended;
  }
  return c;
}

/** Whether the account's commitment holds now (for warm throughput on on-demand streams). */
export async function commitmentActive(store: Store, account: string, region: string, nowMs: number): Promise<boolean> {
  return (await commitmentOf(store, account, region, nowMs)).Status !== 'DISABLED';
}

function commitmentView(c: Commitment): object {
  return {
    MinimumThroughputBillingCommitment: {
      Status: c.Status,
      ...(c.StartedAt !== undefined ? { StartedAt: new Timestamp(c.StartedAt) } : {}),
      ...(c.EndedAt !== undefined ? { EndedAt: new Timestamp(c.EndedAt) } : {}),
      ...(c.EarliestAllowedEndAt !== undefined ? { EarliestAllowedEndAt: new Timestamp(c.EarliestAllowedEndAt) } : {}),
    },
  };
}

/** The commitment after asking for `wanted` at `now`. */
function next(c: Commitment, wanted: 'ENABLED' | 'DISABLED', now: number): Commitment {
  if (wanted === 'ENABLED') {
    if (c.Status === 'DISABLED') return { Status: 'ENABLED', StartedAt: now, EarliestAllowedEndAt: now + COMMITMENT_MIN_MS };
    return { ...c, Status: 'ENABLED' }; // already on, or a scheduled end is cancelled
  }
  if (c.Status !== 'ENABLED') return c; // already off, or already ending
  if (c.EarliestAllowedEndAt !== undefined && now < c.EarliestAllowedEndAt) {
    return { ...c, Status: 'ENABLED_UNTIL_EARLIEST_ALLOWED_END' };
  }
  return { ...c, Status: 'DISABLED', EndedAt: now };
}

export const describeAccountSettings: Operation = async (_input: object, ctx) => {
  return commitmentView(await commitmentOf(ctx.store, ctx.account, ctx.region, ctx.clock.now()));
};

export const updateAccountSettings: Operation = async (
  input: { MinimumThroughputBillingCommitment: { Status: 'ENABLED' | 'DISABLED' } }, ctx,
) => {
  const now = ctx.clock.now();
  const current = await commitmentOf(ctx.store, ctx.account, ctx.region, now);
  const updated = next(current, input.MinimumThroughputBillingCommitment.Status, now);
  const settings = await readSettings(ctx.store, ctx.account, ctx.region);
  await ctx.store.putAccountSettings(ctx.account, ctx.region,
    JSON.stringify({ ...settings, MinimumThroughputBillingCommitment: updated }));
  return commitmentView(updated);
};
