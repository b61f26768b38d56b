// IncreaseStreamRetentionPeriod and DecreaseStreamRetentionPeriod, and the trim horizon they move.
import { invalidArgument, resourceInUse } from '../core/errors.js';
import type { StreamState } from '../storage/store.js';
import type { Operation, OperationContext } from './context.js';
import { findStream, notFound, type StreamTarget } from './stream-target.js';

export const MIN_RETENTION_HOURS = 24;
export const MAX_RETENTION_HOURS = 8760;
const HOUR_MS = 3_600_000;

/**
 * The stream's trim horizon: records that arrived before it are gone. It is `now − retention`, but
 * never earlier than the horizon in force when the retention was last increased, since data that had
 * already expired does not come back (whether or not trimming has deleted it yet).
 */
export function trimHorizonMs(stream: StreamState, nowMs: number): number {
  return Math.max(nowMs - stream.retentionHours * HOUR_MS, stream.retentionFloorMs ?? 0);
}

type RetentionInput = StreamTarget & { RetentionPeriodHours: number };

function checkBounds(hours: number): void {
  if (hours < MIN_RETENTION_HOURS) {
    throw invalidArgument(`Minimum allowed retention period is ${MIN_RETENTION_HOURS} hours. Requested retention period (${hours} hours) is too short.`);
  }
  if (hours > MAX_RETENTION_HOURS) {
    throw invalidArgument(`Maximum allowed retention period is ${MAX_RETENTION_HOURS} hours. Requested retention period (${hours} hours) is too long.`);
  }
}

async function setRetention(stream: StreamState, hours: number, ctx: OperationContext): Promise<void> {
  const now = ctx.clock.now();
  const patch = hours > stream.retentionHours
    ? { retentionHours: hours, retentionFloorMs: trimHorizonMs(stream, now) }
    : { retentionHours: hours };
  const outcome = await ctx.store.updateSettings(stream.uid, patch, ['ACTIVE']);
  if (!outcome.ok) {
    if (outcome.status === undefined) throw notFound(stream);
    throw resourceInUse(`Stream ${stream.name} under account ${stream.account} not ACTIVE, instead in state ${outcome.status}`);
  }
}

// Asking for the current value is accepted and changes nothing, in both directions: Terraform calls
// IncreaseStreamRetentionPeriod with the default 24 on every new stream, and AWS accepts it.
export const increaseStreamRetentionPeriod: Operation = async (input: RetentionInput, ctx) => {
  const stream = await findStream(input, ctx);
  const hours = input.RetentionPeriodHours;
  checkBounds(hours);
  if (hours < stream.retentionHours) {
    throw invalidArgument(`Requested retention period (${hours} hours) for stream ${stream.name} can not be shorter than existing retention period (${stream.retentionHours} hours). Use DecreaseRetentionPeriod API.`);
  }
  if (hours > stream.retentionHours) await setRetention(stream, hours, ctx);
  return undefined;
};

export const decreaseStreamRetentionPeriod: Operation = async (input: RetentionInput, ctx) => {
  const stream = await findStream(input, ctx);
  const hours = input.RetentionPeriodHours;
  checkBounds(hours);
  if (hours > stream.retentionHours) {
    throw invalidArgument(`Requested retention period (${hours} hours) for stream ${stream.name} can not be longer than existing retention period (${stream.retentionHours} hours). Use IncreaseRetentionPeriod API.`);
  }
  if (hours < stream.retentionHours) await setRetention(stream, hours, ctx);
  return undefined;
};
