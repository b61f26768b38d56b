// Shard ids are `shardId-` and a 12-digit zero-padded index that counts up within a stream.

const MAX_SHARD_INDEX = 2147483647;

export function formatShardId(index: number): string {
  return 'shardId-' + String(index).padStart(12, '0');
}

/**
 * The index a shard id names, or undefined. Like the service, it reads the digits after the first
 * hyphen (or the whole text when there is none): `shardId-5`, `shard-5` and `5` all name shard 5.
 */
export function parseShardId(id: string): number | undefined {
  const hyphen = id.indexOf('-');
  const digits = hyphen === -1 ? id : id.slice(hyphen + 1);
  if (!/^\d{1,20}$/.test(digits)) return undefined;
  const n = Number(digits);
  return n <= MAX_SHARD_INDEX ? n : undefined;
}
