// A settings change that takes the stream through UPDATING (encryption, enhanced monitoring): the
// settings are stored at once and the stream is ACTIVE again after --update-stream-ms.
import { resourceInUse } from '../core/errors.js';
import type { StreamSettings, StreamState } from '../storage/store.js';
import type { OperationContext } from './context.js';
import { notFound } from './stream-target.js';

/** Refuses (ResourceInUseException) a stream that is not ACTIVE, as the service does. */
export async function updateThroughUpdating(stream: StreamState, settings: Partial<StreamSettings>, ctx: OperationContext): Promise<void> {
  const outcome = await ctx.store.beginChange(stream.uid, 'UPDATING', { kind: 'activate' },
    ctx.clock.now() + ctx.config.updateStreamMs, ['ACTIVE'], settings);
  if (!outcome.ok) {
    if (outcome.status === undefined) throw notFound(stream);
    throw resourceInUse(`Stream ${stream.name} under account ${stream.account} not ACTIVE, instead in state ${outcome.status}`);
  }
  if (ctx.config.updateStreamMs === 0) await ctx.settle();
}
