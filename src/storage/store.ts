// The storage interface. Every engine (embedded SQLite; PostgreSQL for several nodes) implements it,
// and the operations never know which one they have. Its contract carries what must hold even with
// several server processes on one store: a stream's name is unique per account and region; a
// shard's counters are assigned without gaps or repeats in commit order; a pending change (create,
// delete, reshard) is applied exactly once and atomically, so a write never lands in a closed shard.
// The store never formats an AWS error: it returns outcomes for the operations to word.

export type StreamStatus = 'CREATING' | 'DELETING' | 'ACTIVE' | 'UPDATING';
export type StreamMode = 'PROVISIONED' | 'ON_DEMAND';

export interface StreamKey {
  account: string;
  region: string;
  name: string;
}

/** A new shard, as a reshard or CreateStream defines it. */
export interface ShardSpec {
  startHash: bigint;
  endHash: bigint;
  parentIndex?: number;
  adjacentParentIndex?: number;
  /** A parent made by the same change: its position in the change's `open` list (index unknown until applied). */
  parentNew?: number;
  adjacentParentNew?: number;
  /** A short-lived shard of a multi-step reshard: created and closed in the same change. */
  closed?: boolean;
}

/** What completes when a stream's transition is due. */
export type PendingChange =
  | { kind: 'activate' }
  | { kind: 'delete' }
  | { kind: 'reshard'; close: number[]; open: ShardSpec[] };

/** What operations change in place on a stream (retention, encryption, mode, limits, …). */
export interface StreamSettings {
  retentionHours: number;
  mode: StreamMode;
  maxRecordSizeKiB: number;
  encryptionType: 'NONE' | 'KMS';
  keyId?: string;
  shardLevelMetrics: string[];
  /** Warm throughput asked for (on-demand streams). */
  warmThroughputMiBps?: number;
  /** How an on-demand stream spreads records: by partition key, or evenly (AUTO). */
  recordDistribution?: string;
  /** Records that arrived before this had expired under an earlier, shorter retention: they stay gone. */
  retentionFloorMs?: number;
}

export interface StreamState extends StreamKey, StreamSettings {
  /** Unique for the life of the store: a stream created again under the same name gets a new one. */
  uid: number;
  status: StreamStatus;
  createdMs: number;
  pending?: PendingChange;
  pendingDueMs?: number;
}

export interface ShardState {
  index: number;
  createdMs: number;
  startHash: bigint;
  endHash: bigint;
  parentIndex?: number;
  adjacentParentIndex?: number;
  /** Set once the shard is closed by a reshard. */
  closedMs?: number;
  /** The last counter handed out (0 before the first record); a closed shard ends there. */
  lastCounter: number;
}

export interface NewStream extends StreamKey {
  createdMs: number;
  retentionHours: number;
  mode: StreamMode;
  maxRecordSizeKiB: number;
  warmThroughputMiBps?: number;
  shards: ShardSpec[];
  tags: Record<string, string>;
  status: StreamStatus;
  pending?: PendingChange;
  pendingDueMs?: number;
}

export type CreateOutcome =
  | { ok: true; uid: number }
  | { ok: false; reason: 'exists' }
  | { ok: false; reason: 'shard-limit'; openShards: number };

/** A write of records to one stream: the records, where each one goes, and whether they were written encrypted. */
export interface RecordWrite {
  /** The records as parallel lists (core/record-batch.ts): record i's data are data[ends[i - 1] ?? 0, ends[i]). */
  batch: { partitionKeys: string[]; data: Buffer; ends: Uint32Array };
  /** Record i goes to the open shard whose hash key range holds hashKeys[i], 32 lowercase hex digits (core/hash-key.ts). */
  hashKeys: string[];
  /** Written while server-side encryption was on (reported as EncryptionType KMS on reads). */
  encrypted: boolean;
}

/** Where record i's data begin in a RecordWrite's batch (they end at ends[i]). */
export function dataStart(ends: Uint32Array, i: number): number {
  return i === 0 ? 0 : ends[i - 1]!;
}

/** A hash key as RecordWrite carries it: 32 lowercase hex digits, whose order as text is numeric order. */
export function hashKeyHex(key: bigint): string {
  return key.toString(16).padStart(32, '0');
}

/** Where the records of a write went, by position: shard shards[shardOf[i]], counter counters[i]. */
export interface PutResult {
  shards: { index: number; createdMs: number }[];
  shardOf: Uint32Array;
  counters: Float64Array;
}

export interface StoredRecord {
  counter: number;
  arrivalMs: number;
  partitionKey: string;
  data: Buffer;
  encrypted: boolean;
}

export interface ReadRequest {
  /** First counter to return, inclusive. */
  fromCounter: number;
  limit: number;
  maxBytes: number;
  /** Records that arrived before this are past retention and never returned. */
  minArrivalMs: number;
}

export interface ReadResult {
  records: StoredRecord[];
  /** Arrival time of the first record after those returned, if one exists. */
  nextArrivalMs?: number;
}

export type ChangeOutcome = { ok: true } | { ok: false; status: StreamStatus | undefined };

export type ChannelStatus = 'CREATING' | 'ACTIVE' | 'UPDATING' | 'DELETING' | 'FAILED';
export type ChannelDestination = 'S3' | 'S3_TABLES';

/** A stream a channel reads from: its ARN and creation time (a stream created again is another source). */
export interface ChannelSource {
  streamArn: string;
  streamCreatedMs: number;
}

/**
 * A channel (delivery from streams to a destination). The store keeps its configuration as opaque
 * JSON; it looks only at what uniqueness, limits, filters and the lifecycle need.
 */
export interface ChannelState {
  account: string;
  region: string;
  name: string;
  /** Unique in the store; the channel's ARN names it. */
  id: string;
  status: ChannelStatus;
  statusReason?: string;
  createdMs: number;
  destination: ChannelDestination;
  sources: ChannelSource[];
  /** The channel's configuration as the operations keep it (JSON text). */
  config: string;
  tags: Record<string, string>;
  /** When the current status (CREATING, UPDATING, DELETING) ends: ACTIVE, or gone after DELETING. */
  pendingDueMs?: number;
}

export type NewChannel = Omit<ChannelState, 'statusReason'>;

export type ChannelCreateOutcome =
  | { ok: true }
  | { ok: false; reason: 'exists' }
  /** A channel on one of the sources already delivers to this destination type. */
  | { ok: false; reason: 'destination-taken'; source: ChannelSource };

export type ChannelChangeOutcome = { ok: true } | { ok: false; status: ChannelStatus | undefined };

/** Matches channels reading from a stream (of that creation time, if given). */
export interface ChannelFilter {
  streamArn: string;
  streamCreatedMs?: number;
}

/** An enhanced fan-out consumer of a stream. Its ARN is the stream's, its name and its creation second. */
export type ConsumerStatus = 'CREATING' | 'ACTIVE' | 'DELETING';

export interface ConsumerState {
  streamUid: number;
  name: string;
  status: ConsumerStatus;
  createdMs: number;
  tags: Record<string, string>;
  /** When the current status (CREATING, DELETING) ends: ACTIVE, or gone. */
  pendingDueMs?: number;
}

export interface NewConsumer {
  streamUid: number;
  name: string;
  createdMs: number;
  tags: Record<string, string>;
  /** When it becomes ACTIVE. */
  dueMs: number;
}

export interface ConsumerLimits {
  /** Consumers one stream may have, in any status. */
  perStream: number;
  /** Consumers that may be CREATING at once in the stream's account and region. */
  creatingPerAccount: number;
  /** The stream statuses a consumer may be registered in. */
  streamStatuses: StreamStatus[];
}

export type RegisterOutcome =
  | { ok: true }
  | { ok: false; reason: 'stream-status'; status: StreamStatus | undefined }
  | { ok: false; reason: 'exists' }
  | { ok: false; reason: 'stream-limit'; count: number }
  | { ok: false; reason: 'creating-limit'; count: number };

/** DeleteStream's outcome: also refused while consumers are registered, unless they go with the stream. */
export type DeleteOutcome = ChangeOutcome | { ok: false; status: StreamStatus; consumers: number };

export interface Store {
  /** The secret that authenticates iterators and tokens; made once, kept with the data. */
  secret(): Promise<Buffer>;

  createStream(stream: NewStream, shardLimit: number): Promise<CreateOutcome>;
  getStream(key: StreamKey): Promise<StreamState | undefined>;
  getStreamByUid(uid: number): Promise<StreamState | undefined>;
  /** Streams of an account and region sorted by name, starting after `afterName`. */
  listStreams(account: string, region: string, afterName: string | undefined, limit: number): Promise<StreamState[]>;
  countOpenShards(account: string, region: string): Promise<number>;
  listShards(uid: number): Promise<ShardState[]>;
  /** One shard of a stream (what the data path needs, without reading every shard). */
  getShard(uid: number, index: number): Promise<ShardState | undefined>;

  /**
   * Moves an ACTIVE stream into `status` with a change that completes at `dueMs`.
   * Fails, with the status found, when the stream is not ACTIVE (or is gone).
   */
  beginChange(uid: number, status: StreamStatus, change: PendingChange, dueMs: number, allowed?: StreamStatus[],
    settings?: Partial<StreamSettings>): Promise<ChangeOutcome>;
  /** Changes settings in place, without a status change, if the stream's status is allowed. */
  updateSettings(uid: number, settings: Partial<StreamSettings>, allowed?: StreamStatus[]): Promise<ChangeOutcome>;
  /** Streams of an account and region, all or only those in `mode`. */
  countStreams(account: string, region: string, mode?: StreamMode): Promise<number>;
  /** Applies every pending change due at `nowMs`; returns how many were applied. */
  completeDueChanges(nowMs: number): Promise<number>;

  getTags(uid: number): Promise<Record<string, string>>;
  /** Adds or overwrites tags; refuses (false) when the stream would hold more than maxTags. */
  addTags(uid: number, tags: Record<string, string>, maxTags: number): Promise<boolean>;
  removeTags(uid: number, keys: string[]): Promise<void>;

  /**
   * Routes each record to the open shard whose range holds its hash key and appends it. Throws
   * StreamGone when the stream was deleted since the caller looked it up.
   */
  putRecords(uid: number, write: RecordWrite, nowMs: number): Promise<PutResult>;
  readRecords(uid: number, shardIndex: number, request: ReadRequest): Promise<ReadResult>;
  /** The counter of the first record that arrived at or after `atMs`, or the next one to be written. */
  counterAtTime(uid: number, shardIndex: number, atMs: number): Promise<number>;

  /** A resource policy by the ARN of the stream or consumer it is attached to. */
  getPolicy(arn: string): Promise<string | undefined>;
  /** Attaches a policy to a stream's ARN or one of its consumers' (dropped with the stream). */
  putPolicy(streamUid: number, arn: string, policy: string): Promise<void>;
  deletePolicy(arn: string): Promise<boolean>;

  /** Account-level settings (JSON) of an account in a region. */
  getAccountSettings(account: string, region: string): Promise<string | undefined>;
  putAccountSettings(account: string, region: string, settings: string): Promise<void>;

  /**
   * Channels. Names are unique per account and region; a source stream has at most one channel per
   * destination type. Due channel transitions are applied by completeDueChanges.
   */
  createChannel(channel: NewChannel): Promise<ChannelCreateOutcome>;
  getChannel(account: string, region: string, id: string): Promise<ChannelState | undefined>;
  /** Channels of an account and region sorted by name, after `afterName`, matching any filter given. */
  listChannels(account: string, region: string, afterName: string | undefined, limit: number,
    filters?: ChannelFilter[]): Promise<ChannelState[]>;
  /**
   * Moves a channel whose status is in `allowed` into `status` (UPDATING or DELETING) until `dueMs`,
   * replacing its configuration if `config` is given.
   */
  changeChannel(account: string, region: string, id: string, status: ChannelStatus, dueMs: number,
    allowed: ChannelStatus[], config?: string): Promise<ChannelChangeOutcome>;

  /**
   * Enhanced fan-out consumers, unique by name within a stream. Registration checks the stream's
   * status and the limits in the same transaction as the insert. Due consumer transitions (CREATING →
   * ACTIVE, DELETING → gone) are applied by completeDueChanges; a stream's consumers go with it.
   */
  registerConsumer(consumer: NewConsumer, limits: ConsumerLimits): Promise<RegisterOutcome>;
  getConsumer(streamUid: number, name: string): Promise<ConsumerState | undefined>;
  /** A stream's consumers sorted by name, after `afterName`. */
  listConsumers(streamUid: number, afterName: string | undefined, limit: number): Promise<ConsumerState[]>;
  countConsumers(streamUid: number): Promise<number>;
  /** Moves a consumer to DELETING until `dueMs` (one already DELETING keeps its time); false if there is none. */
  deregisterConsumer(streamUid: number, name: string, dueMs: number): Promise<boolean>;
  /** Adds or overwrites a consumer's tags; false when it would hold more than maxTags (or is gone). */
  addConsumerTags(streamUid: number, name: string, tags: Record<string, string>, maxTags: number): Promise<boolean>;
  removeConsumerTags(streamUid: number, name: string, keys: string[]): Promise<void>;
  /**
   * Begins deleting a stream whose status is in `allowed` (DELETING until `dueMs`). With consumers
   * registered it is refused (outcome with their count) unless `withConsumers`, in which case they
   * go DELETING with it, in the same transaction.
   */
  beginDelete(uid: number, dueMs: number, allowed: StreamStatus[], withConsumers: boolean): Promise<DeleteOutcome>;

  /** Deletes records past their stream's retention, and closed shards that hold nothing any more. */
  trimExpired(nowMs: number): Promise<void>;
  close(): Promise<void>;
}

/** A write found its stream deleted since the caller looked it up (a race with DeleteStream). */
export class StreamGone extends Error {
  constructor() {
    super('the stream was deleted');
  }
}
