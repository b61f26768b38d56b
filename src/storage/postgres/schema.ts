// The PostgreSQL engine's schema, as versioned migrations applied in order (schema_migrations).
// Never edit a migration that has shipped: append a new one.
//
// Records are partitioned by arrival time (one partition per UTC day, made ahead by maintenance), so
// retention drops whole partitions; within a partition they are found by (shard_uid, counter).
// Names are compared byte by byte (COLLATE "C"), as the embedded engine and AWS order them.
//
// sluice_put() routes, numbers and inserts a whole PutRecords in one statement, so one round trip:
// the counters come from the shard rows it locks (UPDATE … RETURNING), which is also what a reshard
// locks to close a shard, so counters rise in commit order and no write lands in a closed shard.

export const MIGRATIONS: string[] = [
  `
  CREATE TABLE meta (key text PRIMARY KEY, value bytea NOT NULL);

  CREATE TABLE streams (
    uid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account text COLLATE "C" NOT NULL,
    region text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    status text NOT NULL,
    created_ms bigint NOT NULL,
    retention_hours integer NOT NULL,
    mode text NOT NULL,
    max_record_kib integer NOT NULL,
    encryption_type text NOT NULL DEFAULT 'NONE',
    key_id text,
    shard_metrics text NOT NULL DEFAULT '[]',
    settings text NOT NULL DEFAULT '{}',
    next_shard_index integer NOT NULL,
    pending text,
    pending_due_ms bigint,
    UNIQUE (account, region, name)
  );
  CREATE INDEX streams_pending ON streams (pending_due_ms) WHERE pending_due_ms IS NOT NULL;

  -- Updated by every write (its counters): room on each page keeps those updates HOT.
  CREATE TABLE shards (
    uid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_uid bigint NOT NULL,
    idx integer NOT NULL,
    created_ms bigint NOT NULL,
    start_hash numeric(39, 0) NOT NULL,
    end_hash numeric(39, 0) NOT NULL,
    parent_idx integer,
    adjacent_parent_idx integer,
    closed_ms bigint,
    last_counter bigint NOT NULL DEFAULT 0,
    last_arrival_ms bigint NOT NULL DEFAULT 0,
    UNIQUE (stream_uid, idx)
  ) WITH (fillfactor = 50);
  CREATE INDEX shards_open ON shards (stream_uid, start_hash) WHERE closed_ms IS NULL;

  CREATE TABLE tags (
    stream_uid bigint NOT NULL,
    key text COLLATE "C" NOT NULL,
    value text NOT NULL,
    PRIMARY KEY (stream_uid, key)
  );

  CREATE TABLE records (
    shard_uid bigint NOT NULL,
    counter bigint NOT NULL,
    arrival_ms bigint NOT NULL,
    partition_key text NOT NULL,
    data bytea NOT NULL,
    encrypted boolean NOT NULL DEFAULT false
  ) PARTITION BY RANGE (arrival_ms);
  CREATE INDEX records_key ON records (shard_uid, counter);
  -- Catches records of a day whose partition does not exist (yet): trimmed by range deletes.
  CREATE TABLE records_default PARTITION OF records DEFAULT;
  -- Shards gone (their stream deleted, or closed and expired) whose records are still to be deleted:
  -- deleting a stream costs one row per shard, and trimming deletes the records in bounded batches.
  CREATE TABLE dead_shards (uid bigint PRIMARY KEY);

  CREATE TABLE resource_policies (arn text PRIMARY KEY, stream_uid bigint NOT NULL, policy text NOT NULL);
  CREATE INDEX resource_policies_stream ON resource_policies (stream_uid);

  CREATE TABLE account_settings (
    account text NOT NULL,
    region text NOT NULL,
    settings text NOT NULL,
    PRIMARY KEY (account, region)
  );

  CREATE TABLE channels (
    id text PRIMARY KEY,
    account text COLLATE "C" NOT NULL,
    region text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    status text NOT NULL,
    status_reason text,
    created_ms bigint NOT NULL,
    destination text NOT NULL,
    sources jsonb NOT NULL,
    config text NOT NULL,
    tags text NOT NULL DEFAULT '{}',
    pending_due_ms bigint,
    UNIQUE (account, region, name)
  );
  CREATE INDEX channels_pending ON channels (pending_due_ms) WHERE pending_due_ms IS NOT NULL;

  CREATE TABLE consumers (
    stream_uid bigint NOT NULL,
    name text COLLATE "C" NOT NULL,
    status text NOT NULL,
    created_ms bigint NOT NULL,
    pending_due_ms bigint,
    tags text NOT NULL DEFAULT '{}',
    PRIMARY KEY (stream_uid, name)
  );
  CREATE INDEX consumers_pending ON consumers (pending_due_ms) WHERE pending_due_ms IS NOT NULL;

  CREATE FUNCTION sluice_put(p_stream bigint, p_hash numeric[], p_pk text[], p_blob bytea, p_off integer[],
    p_len integer[], p_enc boolean[], p_now bigint)
  RETURNS TABLE (o_idx integer, o_created bigint, o_counter bigint)
  LANGUAGE plpgsql AS $fn$
  #variable_conflict use_column
  DECLARE
    v_route bigint[];
    v_uid bigint[] := '{}';
    v_base bigint[] := '{}';
    v_arrival bigint[] := '{}';
    v_idx integer[] := '{}';
    v_created bigint[] := '{}';
    g record;
    s record;
  BEGIN
    -- Each hash key goes to the open shard whose range holds it, as the shards are at this statement.
    SELECT array_agg(CASE WHEN c.end_hash >= i.h THEN c.uid END ORDER BY i.ord) INTO v_route
    FROM unnest(p_hash) WITH ORDINALITY AS i(h, ord)
    LEFT JOIN LATERAL (
      SELECT sh.uid, sh.end_hash FROM shards sh
      WHERE sh.stream_uid = p_stream AND sh.closed_ms IS NULL AND sh.start_hash <= i.h
      ORDER BY sh.start_hash DESC LIMIT 1) c ON true;
    IF v_route IS NULL OR array_position(v_route, NULL) IS NOT NULL THEN
      RAISE EXCEPTION 'stream % has no open shard for a hash key', p_stream USING ERRCODE = 'SLR02';
    END IF;
    -- Each shard's counters, its row locked until commit: in uid order, so writers never deadlock.
    -- A shard closed (or gone) since the routing above sends the whole put round again (SLR01).
    FOR g IN SELECT x.u AS uid, count(*)::bigint AS n FROM unnest(v_route) AS x(u) GROUP BY x.u ORDER BY x.u LOOP
      UPDATE shards SET last_counter = last_counter + g.n, last_arrival_ms = GREATEST(last_arrival_ms, p_now)
        WHERE uid = g.uid AND closed_ms IS NULL
        RETURNING idx, created_ms, last_counter - g.n AS base, last_arrival_ms AS arrival INTO s;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'shard % closed while routing', g.uid USING ERRCODE = 'SLR01';
      END IF;
      v_uid := v_uid || g.uid;
      v_base := v_base || s.base;
      v_arrival := v_arrival || s.arrival;
      v_idx := v_idx || s.idx;
      v_created := v_created || s.created_ms;
    END LOOP;
    RETURN QUERY
    WITH placed AS (
      SELECT i.ord, i.u, b.base + row_number() OVER (PARTITION BY i.u ORDER BY i.ord) AS c, b.arrival, b.idx, b.created
      FROM unnest(v_route) WITH ORDINALITY AS i(u, ord)
      JOIN unnest(v_uid, v_base, v_arrival, v_idx, v_created) AS b(uid, base, arrival, idx, created) ON b.uid = i.u
    ), inserted AS (
      INSERT INTO records (shard_uid, counter, arrival_ms, partition_key, data, encrypted)
      SELECT p.u, p.c, p.arrival, d.pk, substring(p_blob FROM d.off + 1 FOR d.len), d.enc
      FROM placed p JOIN unnest(p_pk, p_off, p_len, p_enc) WITH ORDINALITY AS d(pk, off, len, enc, ord) ON d.ord = p.ord
    )
    SELECT p.idx, p.created, p.c FROM placed p ORDER BY p.ord;
  END
  $fn$;
  `,
];
