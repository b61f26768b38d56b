// UpdateShardCount's UNIFORM_SCALING as one reshard: from any set of open shards to `target` open
// shards that divide the hash key space evenly (as CreateStream would), reached through binary
// splits and pairwise merges, so every new shard has a parent (and, if merged, an adjacent parent)
// whose ranges cover its own: a consumer that reads parents before children sees each key in order.
import type { ShardSpec } from '../storage/store.js';
import { evenRanges } from './hash-key.js';

export interface OpenShard {
  index: number;
  startHash: bigint;
  endHash: bigint;
}

export interface ScalingPlan {
  close: number[];
  /** New shards; parents are existing shard indexes or positions of earlier new shards. */
  open: ShardSpec[];
}

type Ref = { existing: number } | { created: number };

interface Piece {
  ref: Ref;
  start: bigint;
  end: bigint;
}

export function planUniformScaling(shards: OpenShard[], target: number): ScalingPlan {
  const goal = evenRanges(target);
  const boundaries = goal.slice(1).map((r) => r.start);
  const close: number[] = [];
  const open: ShardSpec[] = [];

  const retire = (ref: Ref): void => {
    if ('existing' in ref) close.push(ref.existing);
    else open[ref.created]!.closed = true;
  };
  const create = (start: bigint, end: bigint, parent: Ref, adjacent?: Ref): Ref => {
    open.push({
      startHash: start,
      endHash: end,
      ...('existing' in parent ? { parentIndex: parent.existing } : { parentNew: parent.created }),
      ...(adjacent === undefined ? {} : 'existing' in adjacent ? { adjacentParentIndex: adjacent.existing } : { adjacentParentNew: adjacent.created }),
    });
    return { created: open.length - 1 };
  };

  // 1. Split every shard at each goal boundary strictly inside it, lowest first: the left part is
  //    done, the right part is split further (an intermediate shard when it is split again).
  const pieces: Piece[] = [];
  const sorted = [...shards].sort((a, b) => (a.startHash < b.startHash ? -1 : a.startHash > b.startHash ? 1 : 0));
  let b = 0;
  for (const shard of sorted) {
    let current: Piece = { ref: { existing: shard.index }, start: shard.startHash, end: shard.endHash };
    while (b < boundaries.length && boundaries[b]! <= current.start) b++;
    while (b < boundaries.length && boundaries[b]! <= current.end) {
      const k = boundaries[b]!;
      retire(current.ref);
      const left = create(current.start, k - 1n, current.ref);
      const right = create(k, current.end, current.ref);
      pieces.push({ ref: left, start: current.start, end: k - 1n });
      current = { ref: right, start: k, end: current.end };
      b++;
    }
    pieces.push(current);
  }

  // 2. Each goal range now holds whole pieces: merge them left to right into one shard, the lower
  //    range being the parent and the next one the adjacent parent (as MergeShards names them).
  let p = 0;
  for (const range of goal) {
    let acc = pieces[p++]!;
    while (p < pieces.length && pieces[p]!.start <= range.end) {
      const next = pieces[p++]!;
      retire(acc.ref);
      retire(next.ref);
      acc = { ref: create(acc.start, next.end, acc.ref, next.ref), start: acc.start, end: next.end };
    }
  }
  return { close, open };
}
