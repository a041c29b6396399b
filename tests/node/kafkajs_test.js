// kafkajs against a running `sluice serve`: admin (create/list/describe/delete topics, partitions,
// configs, groups), a producer and a consumer group round trip, and two members sharing a topic.
//
// Usage: node kafkajs_test.js HOST:PORT   (tests/kafkajs_test.cc starts the server and runs this)
// Exits non-zero when a test fails (node:test sets the exit code).
'use strict';

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const { Kafka, logLevel, CompressionTypes } = require('kafkajs');

const bootstrap = process.argv[2] || process.env.SLUICE_BOOTSTRAP;
if (!bootstrap) {
  console.error('usage: node kafkajs_test.js HOST:PORT');
  process.exit(2);
}

const kafka = new Kafka({
  clientId: 'sluice-kafkajs-test',
  brokers: [bootstrap],
  logLevel: logLevel.ERROR,
  retry: { retries: 5, initialRetryTime: 100 },
});

// Every client a test makes, so that a failed test cannot leave one connected (which would keep
// node from exiting).
const clients = [];
function track(client) {
  clients.push(client);
  return client;
}
after(async () => {
  for (const c of clients) await c.disconnect().catch(() => {});
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Resolves when `done()` is true; rejects after `ms` with `what`.
async function waitFor(done, ms, what) {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('admin creates, lists, describes and deletes topics', async () => {
  const admin = track(kafka.admin());
  await admin.connect();
  try {
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: 'admin-a', numPartitions: 3 },
        { topic: 'admin-b', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] },
      ],
    });
    assert.equal(created, true);
    // Creating an existing topic is not an error for kafkajs: it answers false.
    assert.equal(await admin.createTopics({ topics: [{ topic: 'admin-a', numPartitions: 3 }] }), false);

    // validateOnly checks without creating.
    const validated = await admin.createTopics({
      validateOnly: true,
      waitForLeaders: false,
      topics: [{ topic: 'admin-validated', numPartitions: 2 }],
    });
    assert.equal(validated, true);
    // Invalid requests get Kafka's per-topic error codes.
    const invalid = [
      [{ topic: 'bad name!', numPartitions: 2 }, 'INVALID_TOPIC_EXCEPTION'],
      [{ topic: 'x'.repeat(250), numPartitions: 1 }, 'INVALID_TOPIC_EXCEPTION'],
      [{ topic: 'admin-zero', numPartitions: 0 }, 'INVALID_PARTITIONS'],
      [{ topic: 'admin-rf', numPartitions: 1, replicationFactor: 3 }, 'INVALID_REPLICATION_FACTOR'],
      [{ topic: 'admin-cfg', configEntries: [{ name: 'retention.ms', value: 'abc' }] }, 'INVALID_CONFIG'],
    ];
    for (const [spec, type] of invalid) {
      await assert.rejects(admin.createTopics({ topics: [spec] }), (e) => {
        assert.deepEqual(
          e.errors.map((x) => x.type),
          [type],
        );
        return true;
      });
    }

    const topics = await admin.listTopics();
    assert.ok(!topics.includes('admin-validated') && !topics.includes('admin-zero'), `listTopics: ${topics}`);
    assert.ok(topics.includes('admin-a') && topics.includes('admin-b'), `listTopics: ${topics}`);

    const md = await admin.fetchTopicMetadata({ topics: ['admin-a', 'admin-b'] });
    const byName = Object.fromEntries(md.topics.map((t) => [t.name, t]));
    assert.equal(byName['admin-a'].partitions.length, 3);
    assert.equal(byName['admin-b'].partitions.length, 1);
    for (const p of byName['admin-a'].partitions) {
      assert.equal(p.leader, 0);
      assert.deepEqual(p.replicas, [0]);
      assert.deepEqual(p.isr, [0]);
    }

    const cluster = await admin.describeCluster();
    assert.equal(cluster.brokers.length, 1);
    assert.equal(`${cluster.brokers[0].host}:${cluster.brokers[0].port}`, bootstrap);

    await admin.createPartitions({ topicPartitions: [{ topic: 'admin-b', count: 4 }] });
    const md2 = await admin.fetchTopicMetadata({ topics: ['admin-b'] });
    assert.equal(md2.topics[0].partitions.length, 4);

    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2 /* TOPIC */, name: 'admin-b', configNames: ['retention.ms'] }],
    });
    const entry = configs.resources[0].configEntries.find((e) => e.configName === 'retention.ms');
    assert.equal(entry && entry.configValue, '3600000');

    // An empty topic's offsets: every partition from 0 to 0.
    const offsets = await admin.fetchTopicOffsets('admin-a');
    assert.equal(offsets.length, 3);
    for (const o of offsets) {
      assert.equal(o.low, '0');
      assert.equal(o.high, '0');
    }

    await admin.deleteTopics({ topics: ['admin-a', 'admin-b'], timeout: 5000 });
    const after = await admin.listTopics();
    assert.ok(!after.includes('admin-a') && !after.includes('admin-b'), `after delete: ${after}`);
    await assert.rejects(admin.fetchTopicMetadata({ topics: ['admin-a'] }));
  } finally {
    await admin.disconnect();
  }
});

test('1000 messages round trip through a consumer group, and the group resumes', async () => {
  const topic = 'roundtrip';
  const admin = track(kafka.admin());
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 4 }] });

  const producer = track(kafka.producer());
  await producer.connect();
  const total = 1000;
  for (let batch = 0; batch < 10; batch++) {
    const messages = [];
    for (let i = batch * 100; i < (batch + 1) * 100; i++) {
      messages.push({ key: `k${i % 17}`, value: `v${i}`, headers: { seq: `${i}` } });
    }
    const compression = batch % 2 ? CompressionTypes.GZIP : CompressionTypes.None;
    const res = await producer.send({ topic, messages, compression, acks: -1 });
    for (const r of res) assert.equal(r.errorCode, 0);
  }

  const groupId = 'roundtrip-group';
  const received = [];
  const consumer = track(kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 500, maxWaitTimeInMs: 200 }));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      received.push({
        partition,
        offset: Number(message.offset),
        key: message.key.toString(),
        value: message.value.toString(),
        seq: message.headers.seq.toString(),
      });
    },
  });
  await waitFor(() => received.length >= total, 30000, `${total} messages (got ${received.length})`);

  // Every message once, each key in one partition, each partition in produce order.
  const values = new Set(received.map((m) => m.value));
  assert.equal(received.length, total);
  assert.equal(values.size, total);
  const keyPartition = new Map();
  const lastInPartition = new Map();
  for (const m of received) {
    const i = Number(m.value.slice(1));
    assert.equal(m.seq, `${i}`);
    assert.equal(m.key, `k${i % 17}`);
    if (keyPartition.has(m.key)) assert.equal(keyPartition.get(m.key), m.partition);
    keyPartition.set(m.key, m.partition);
    const last = lastInPartition.get(m.partition);
    if (last !== undefined) {
      assert.ok(last.i < i && last.offset + 1 === m.offset, `partition ${m.partition} order`);
    }
    lastInPartition.set(m.partition, { i, offset: m.offset });
  }

  // The group commits what it consumed: its offsets reach the end of every partition.
  const ends = await admin.fetchTopicOffsets(topic);
  const endOf = Object.fromEntries(ends.map((o) => [o.partition, o.high]));
  let committed;
  const deadline = Date.now() + 15000;
  for (;;) {
    const res = await admin.fetchOffsets({ groupId, topics: [topic] });
    committed = res[0].partitions;
    if (committed.every((p) => p.offset === endOf[p.partition]) || Date.now() > deadline) break;
    await sleep(100);
  }
  for (const p of committed) assert.equal(p.offset, endOf[p.partition], `partition ${p.partition}`);

  const groups = await admin.describeGroups([groupId]);
  assert.equal(groups.groups[0].state, 'Stable');
  assert.equal(groups.groups[0].members.length, 1);
  await consumer.disconnect();

  // A new member of the same group starts from the committed offsets: it sees only new messages.
  await producer.send({ topic, messages: [{ key: 'late', value: 'after-restart' }] });
  const again = [];
  const consumer2 = track(kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 500, maxWaitTimeInMs: 200 }));
  await consumer2.connect();
  await consumer2.subscribe({ topic, fromBeginning: true });
  await consumer2.run({ eachMessage: async ({ message }) => again.push(message.value.toString()) });
  await waitFor(() => again.length >= 1, 30000, 'the message produced after the restart');
  await sleep(300);
  assert.deepEqual(again, ['after-restart']);
  await consumer2.disconnect();

  const listed = await admin.listGroups();
  assert.ok(listed.groups.some((g) => g.groupId === groupId), JSON.stringify(listed));
  await admin.deleteGroups([groupId]);
  const listedAfter = await admin.listGroups();
  assert.ok(!listedAfter.groups.some((g) => g.groupId === groupId), JSON.stringify(listedAfter));

  await producer.disconnect();
  await admin.disconnect();
});

test('two consumers in one group split the partitions', async () => {
  const topic = 'shared';
  const admin = track(kafka.admin());
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 6 }] });
  const groupId = 'shared-group';

  const members = [0, 1].map(() => ({
    consumer: track(kafka.consumer({
      groupId,
      sessionTimeout: 10000,
      heartbeatInterval: 300,
      rebalanceTimeout: 10000,
      maxWaitTimeInMs: 200,
    })),
    partitions: new Set(),
    assigned: [],
  }));
  for (const m of members) {
    await m.consumer.connect();
    m.consumer.on(m.consumer.events.GROUP_JOIN, (e) => {
      m.assigned = (e.payload.memberAssignment[topic] || []).slice().sort();
    });
    await m.consumer.subscribe({ topic, fromBeginning: true });
    await m.consumer.run({ eachMessage: async ({ partition }) => m.partitions.add(partition) });
  }
  await waitFor(
    () => members.every((m) => m.assigned.length > 0) && members[0].assigned.length + members[1].assigned.length === 6,
    30000,
    'both members to hold a share of the partitions',
  );

  const producer = track(kafka.producer());
  await producer.connect();
  const messages = [];
  for (let p = 0; p < 6; p++) for (let i = 0; i < 10; i++) messages.push({ partition: p, value: `${p}-${i}` });
  await producer.send({ topic, messages });
  await waitFor(() => members[0].partitions.size + members[1].partitions.size >= 6, 30000, 'all partitions read');

  const union = new Set([...members[0].assigned, ...members[1].assigned]);
  assert.equal(union.size, 6);
  for (const m of members) assert.deepEqual([...m.partitions].sort(), m.assigned);

  for (const m of members) await m.consumer.disconnect();
  await producer.disconnect();
  await admin.disconnect();
});

test('idempotent producer, large values, offsets by timestamp, seek, alterConfigs', async () => {
  const topic = 'idem';
  const admin = track(kafka.admin());
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2 }] });

  const producer = track(kafka.producer({ idempotent: true, maxInFlightRequests: 1 }));
  await producer.connect();
  const big = 'x'.repeat(150 * 1024);
  const t0 = Date.now() - 60000;
  const messages = [];
  for (let i = 0; i < 20; i++) {
    messages.push({ partition: 0, value: i % 5 === 0 ? `${i}:${big}` : `${i}`, timestamp: `${t0 + i * 1000}` });
  }
  await producer.send({ topic, messages, acks: -1 });
  await producer.send({ topic, messages: [{ partition: 1, value: 'p1' }], acks: -1 });

  // ListOffsets by timestamp: the first record at or after the time.
  const at = await admin.fetchTopicOffsetsByTimestamp(topic, t0 + 7500);
  const p0 = at.find((o) => o.partition === 0);
  assert.equal(p0.offset, '8');
  const earliest = await admin.fetchTopicOffsetsByTimestamp(topic, 0);
  assert.equal(earliest.find((o) => o.partition === 0).offset, '0');

  // A consumer of a new group starts at the end (fromBeginning: false); seeking takes it back to
  // offset 4, from where it reads everything, large values included, with their timestamps, in
  // fetches smaller than one large record.
  const consumer = track(
    kafka.consumer({ groupId: 'idem-group', maxWaitTimeInMs: 200, maxBytesPerPartition: 64 * 1024 }),
  );
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  const got = [];
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (partition === 0) {
        got.push({ offset: Number(message.offset), value: message.value.toString(), ts: message.timestamp });
      }
    },
  });
  consumer.seek({ topic, partition: 0, offset: '4' });
  await waitFor(() => got.length >= 16, 30000, 'offsets 4 to 19');
  assert.deepEqual(
    got.map((m) => m.offset),
    [...Array(16).keys()].map((i) => i + 4),
  );
  for (const m of got) {
    assert.equal(m.value, m.offset % 5 === 0 ? `${m.offset}:${big}` : `${m.offset}`);
    assert.equal(m.ts, `${t0 + m.offset * 1000}`);
  }
  await consumer.disconnect();

  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: 2, name: topic, configEntries: [{ name: 'retention.ms', value: '7200000' }] }],
  });
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: 2, name: topic, configNames: ['retention.ms'] }],
  });
  assert.equal(configs.resources[0].configEntries[0].configValue, '7200000');

  await producer.disconnect();
  await admin.disconnect();
});

test('multi-topic batches, nulls, binary headers, LogAppendTime, regex subscription, manual commits, pause', async () => {
  const admin = track(kafka.admin());
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: 're-a', numPartitions: 2 },
      { topic: 're-b', numPartitions: 3 },
      { topic: 'appended', numPartitions: 1, configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] },
    ],
  });

  // One Produce request for three topics and six partitions.
  const producer = track(kafka.producer());
  await producer.connect();
  const many = [];
  for (let i = 0; i < 10000; i++) {
    many.push({
      key: i % 3 ? `k${i}` : null,
      value: i % 7 ? `v${i}` : null,
      headers: { bin: Buffer.from([0, 255, i % 256]) },
    });
  }
  const before = Date.now();
  const sent = await producer.sendBatch({
    acks: -1,
    topicMessages: [
      { topic: 're-a', messages: many },
      { topic: 're-b', messages: many.slice(0, 500) },
      { topic: 'appended', messages: [{ value: 'x', timestamp: '1000' }] },
    ],
  });
  assert.equal(sent.length, 6);
  for (const r of sent) {
    assert.equal(r.errorCode, 0);
    assert.equal(r.baseOffset, '0');
    // The broker's append time for the LogAppendTime topic, -1 for the others.
    if (r.topicName === 'appended') assert.ok(Number(r.logAppendTime) >= before - 1000, r.logAppendTime);
    else assert.equal(r.logAppendTime, '-1');
  }

  const groupId = 'batches-group';
  const consumer = track(kafka.consumer({ groupId, maxWaitTimeInMs: 200 }));
  await consumer.connect();
  await consumer.subscribe({ topics: [/^re-.*/, 'appended'], fromBeginning: true });
  const counts = {};
  const offsetsSeen = new Map(); // "topic/partition" -> next expected offset
  let nullValues = 0;
  let nullKeys = 0;
  let appendedTimestamp;
  const problems = [];
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch }) => {
      const tp = `${batch.topic}/${batch.partition}`;
      for (const m of batch.messages) {
        // Thrown here, an assertion would only make kafkajs retry the batch: collect problems.
        if (Number(m.offset) !== (offsetsSeen.get(tp) || 0)) problems.push(`${tp}: offset ${m.offset}`);
        offsetsSeen.set(tp, Number(m.offset) + 1);
        counts[batch.topic] = (counts[batch.topic] || 0) + 1;
        if (m.value === null) nullValues++;
        if (m.key === null) nullKeys++;
        if (batch.topic === 'appended') {
          appendedTimestamp = Number(m.timestamp);
        } else if (m.headers.bin && (m.headers.bin[0] !== 0 || m.headers.bin[1] !== 255)) {
          problems.push(`${tp}: header ${m.headers.bin.toString('hex')}`);
        }
      }
      const next = String(Number(batch.lastOffset()) + 1);
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
    },
  });
  await waitFor(
    () => counts['re-a'] === 10000 && counts['re-b'] === 500 && counts.appended === 1,
    30000,
    `all messages (have ${JSON.stringify(counts)})`,
  );
  assert.deepEqual(problems, []);
  // i % 7 == 0 values and i % 3 == 0 keys are null (plus the key of the 'appended' message).
  assert.equal(nullValues, 1429 + 72);
  assert.equal(nullKeys, 3334 + 167 + 1);
  assert.ok(appendedTimestamp >= before - 1000, `LogAppendTime, not the producer's 1000: ${appendedTimestamp}`);

  // A paused topic is not fetched; the others are. Resuming delivers what was held back.
  consumer.pause([{ topic: 're-a' }]);
  await producer.send({ topic: 're-a', messages: [{ partition: 0, value: 'held' }] });
  await producer.send({ topic: 're-b', messages: [{ partition: 0, value: 'flows' }] });
  await waitFor(() => counts['re-b'] === 501, 10000, 're-b while re-a is paused');
  await sleep(500);
  assert.equal(counts['re-a'], 10000);
  consumer.resume([{ topic: 're-a' }]);
  await waitFor(() => counts['re-a'] === 10001, 10000, 're-a after resume');

  // The manual commits reached the end of every partition. A batch's messages are counted
  // before its commit is acknowledged, so the last commit may still be on its way: poll.
  const ends = new Map();
  for (const t of ['re-a', 're-b']) {
    for (const o of await admin.fetchTopicOffsets(t)) ends.set(`${t}/${o.partition}`, o.high);
  }
  let committed = [];
  const deadline = Date.now() + 10000;
  for (;;) {
    committed = await admin.fetchOffsets({ groupId, topics: ['re-a', 're-b'] });
    const behind = committed.some((t) => t.partitions.some(
      (p) => p.offset !== ends.get(`${t.topic}/${p.partition}`)));
    if (!behind || Date.now() > deadline) break;
    await sleep(50);
  }
  for (const t of committed) {
    for (const p of t.partitions) assert.equal(p.offset, ends.get(`${t.topic}/${p.partition}`), `${t.topic}/${p.partition}`);
  }
  await consumer.disconnect();
  await producer.disconnect();
  await admin.disconnect();
});

test('deleteTopicRecords moves the log start offset', async () => {
  const topic = 'purged';
  const admin = track(kafka.admin());
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
  const producer = track(kafka.producer());
  await producer.connect();
  const messages = [];
  for (let i = 0; i < 10; i++) messages.push({ partition: 0, value: `v${i}` });
  await producer.send({ topic, messages });

  // DeleteRecords moves the log start offset; ListOffsets reports it. (kafkajs looks up the
  // partition leaders before it loads the topic's metadata: load it first.)
  await admin.fetchTopicOffsets(topic);
  await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '7' }] });
  const offsets = await admin.fetchTopicOffsets(topic);
  assert.equal(offsets[0].low, '7');
  assert.equal(offsets[0].high, '10');
  // -1: everything up to the high watermark.
  await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '-1' }] });
  assert.equal((await admin.fetchTopicOffsets(topic))[0].low, '10');

  await producer.disconnect();
  await admin.disconnect();
});

test('transactions commit, abort and carry consumer offsets', async () => {
  const topic = 'txn-out';
  const admin = track(kafka.admin());
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: 1 }, { topic: 'txn-in', numPartitions: 1 }],
  });
  const producer = track(kafka.producer({ transactionalId: 'kafkajs-txn', maxInFlightRequests: 1, idempotent: true }));
  await producer.connect();
  const offsets = (offset) => ({
    consumerGroupId: 'kjs-ctp',
    topics: [{ topic: 'txn-in', partitions: [{ partition: 0, offset }] }],
  });

  let txn = await producer.transaction();
  await txn.send({ topic, messages: [{ value: 'c1' }, { value: 'c2' }] });
  await txn.sendOffsets(offsets('5'));
  await txn.commit();

  txn = await producer.transaction();
  await txn.send({ topic, messages: [{ value: 'a1' }] });
  await txn.sendOffsets(offsets('9'));
  await txn.abort();

  txn = await producer.transaction();
  await txn.send({ topic, messages: [{ value: 'c3' }] });
  await txn.commit();

  const committed = await admin.fetchOffsets({ groupId: 'kjs-ctp', topics: ['txn-in'] });
  assert.equal(committed[0].partitions[0].offset, '5');

  // kafkajs consumers read committed data by default; readUncommitted sees the aborted record.
  const read = async (groupId, readUncommitted, count) => {
    const consumer = track(kafka.consumer({ groupId, readUncommitted, maxWaitTimeInMs: 100 }));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen = [];
    await consumer.run({ eachMessage: async ({ message }) => { seen.push(message.value.toString()); } });
    await waitFor(() => seen.length >= count, 30000, `${count} messages for ${groupId}`);
    await sleep(300);
    await consumer.disconnect();
    return seen;
  };
  assert.deepEqual(await read('kjs-txn-committed', false, 3), ['c1', 'c2', 'c3']);
  assert.deepEqual(await read('kjs-txn-uncommitted', true, 4), ['c1', 'c2', 'a1', 'c3']);
  await producer.disconnect();
  await admin.disconnect();
});
