// Wire-neutral values for the two types whose encoding differs between awsJson and CBOR.
// toJSON gives the awsJson form (blobs base64, timestamps epoch seconds) so that a response
// can be handed straight to JSON.stringify; the CBOR encoder maps them to byte strings and tag 1.
import { withCounter } from './sequence-number.js';

export class Blob {
  constructor(readonly bytes: Buffer) {}
  toJSON(): string {
    return this.bytes.toString('base64');
  }
}

export class Timestamp {
  constructor(readonly ms: number) {}
  toJSON(): number {
    return this.ms / 1000;
  }
}

/** A record as a page of records is made from (what the store reads). */
export interface PageRecord {
  counter: number;
  arrivalMs: number;
  partitionKey: string;
  data: Buffer;
  encrypted: boolean;
}

/**
 * The records of one shard in an answer (GetRecords, SubscribeToShard events), kept as the store
 * read them until the answer is encoded: the JSON writer renders them straight from here
 * (protocol/json-records.ts), other encodings take views(). Made into views first, a page of ten
 * thousand records would be some fifty thousand more objects alive while its text is written, and
 * collecting them cost more than writing the text.
 */
export class RecordPage {
  /** `sequencePrefix`: what every sequence number of the shard begins with (core/sequence-number.ts). */
  constructor(readonly sequencePrefix: string, readonly records: PageRecord[]) {}

  /** The records as the API shapes them. */
  views(): object[] {
    return this.records.map((r) => ({
      SequenceNumber: withCounter(this.sequencePrefix, r.counter),
      ApproximateArrivalTimestamp: new Timestamp(r.arrivalMs),
      Data: new Blob(r.data),
      PartitionKey: r.partitionKey,
      ...(r.encrypted ? { EncryptionType: 'KMS' } : {}),
    }));
  }

  toJSON(): object[] {
    return this.views();
  }
}

/**
 * PutRecords' results in request order: record i went to shards[shardOf[i]] (its shard id and the
 * head of its sequence numbers) and took counter counters[i]. Kept so until the answer is encoded:
 * the JSON writer renders them straight into the answer (protocol/json-records.ts), other
 * encodings take views(). Five hundred result objects, made only to be turned into text, were most
 * of an answer's cost.
 */
export class PutResultList {
  constructor(
    readonly shards: { shardId: string; prefix: string }[],
    readonly shardOf: Uint32Array,
    readonly counters: Float64Array,
  ) {}

  get length(): number {
    return this.counters.length;
  }

  views(): object[] {
    return Array.from(this.counters, (counter, i) => {
      const shard = this.shards[this.shardOf[i]!]!;
      return { SequenceNumber: withCounter(shard.prefix, counter), ShardId: shard.shardId };
    });
  }

  toJSON(): object[] {
    return this.views();
  }
}
