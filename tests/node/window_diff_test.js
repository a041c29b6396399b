// Differential test of windowed aggregations: Nexmark-style bids (out of order by up to 3 s,
// over three partitions) aggregated by `sluice serve` in tumbling and hopping windows (grouped by
// the record key, and by a value column through a repartition topic), and the same bids
// aggregated by DuckDB in batch (@duckdb/node-api): each window's final result in Sluice's
// output topic (the last update of its windowed key) must equal DuckDB's row for it, and every
// DuckDB row must have one.
//
// Usage: node window_diff_test.js KAFKA_HOST:PORT HTTP_PORT   (tests/window_diff_test.cc runs it)
'use strict';

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const { Kafka, logLevel } = require('kafkajs');
const duckdb = require('@duckdb/node-api');

const bootstrap = process.argv[2];
const httpPort = process.argv[3];
if (!bootstrap || !httpPort) {
  console.error('usage: node window_diff_test.js KAFKA_HOST:PORT HTTP_PORT');
  process.exit(2);
}

const kafka = new Kafka({
  clientId: 'sluice-window-diff',
  brokers: [bootstrap],
  logLevel: logLevel.ERROR,
  retry: { retries: 5, initialRetryTime: 100 },
});
const clients = [];
after(async () => {
  for (const c of clients) await c.disconnect().catch(() => {});
});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const kBids = 20000;
const kAuctions = 50;
const kChannels = ['Google', 'Facebook', 'Baidu', 'Apple'];
const kStart = 1700000000000;

// A small deterministic generator (the same bids every run).
function* bids() {
  let seed = 42;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed;
  };
  for (let i = 0; i < kBids; ++i) {
    const auction = 1000 + (next() % kAuctions);
    // Event time advances 10 ms a bid, each bid up to 3 s early (out of order, never late for
    // the default grace period).
    const dateTime = kStart + i * 10 - (next() % 3000);
    yield {
      auction,
      bidder: 2000 + (next() % 400),
      price: 1 + (next() % 10000),
      channel: kChannels[next() % kChannels.length],
      dateTime,
    };
  }
}

async function ksql(statements) {
  const res = await fetch(`http://127.0.0.1:${httpPort}/ksql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/vnd.ksql.v1+json' },
    body: JSON.stringify({
      ksql: statements,
      streamsProperties: { 'ksql.streams.auto.offset.reset': 'earliest' },
    }),
  });
  const body = await res.text();
  assert.equal(res.status, 200, body);
}

// The last value of each windowed key of `topic`, keyed "<key>|<window start>": the key is the
// key format's bytes (KAFKA: BIGINT 8 bytes big-endian, STRING its UTF-8) followed by the window
// start, 8 bytes big-endian.
async function finalResults(topic, decodeKey, expected) {
  const consumer = kafka.consumer({ groupId: `diff-${topic}-${Date.now()}` });
  clients.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const last = new Map();
  let records = 0;
  let lastGrowth = Date.now();
  await consumer.run({
    eachMessage: async ({ message }) => {
      const k = message.key;
      const start = k.readBigInt64BE(k.length - 8);
      const id = `${decodeKey(k.subarray(0, k.length - 8))}|${start}`;
      last.set(id, message.value ? JSON.parse(message.value.toString()) : null);
      ++records;
      lastGrowth = Date.now();
    },
  });
  // Until every window DuckDB has is there and no update came for 3 s.
  const deadline = Date.now() + 120000;
  while (Date.now() < deadline && (last.size < expected || Date.now() - lastGrowth < 3000)) {
    await sleep(200);
  }
  await consumer.disconnect();
  return { last, records };
}

async function duckRows(sql, jsonl) {
  const instance = await duckdb.DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await instance.connect();
  await conn.run(
    `CREATE TABLE bids AS SELECT * FROM read_json('${jsonl}', format = 'newline_delimited', ` +
      `columns = {auction: 'BIGINT', bidder: 'BIGINT', price: 'BIGINT', channel: 'VARCHAR', ` +
      `dateTime: 'BIGINT'})`);
  const rows = (await conn.runAndReadAll(sql)).getRows();
  conn.closeSync();
  instance.closeSync();
  return rows;
}

function compare(name, sluice, duck) {
  let mismatches = 0;
  const seen = new Set();
  for (const [key, start, n, total, maxPrice] of duck) {
    const id = `${key}|${start}`;
    seen.add(id);
    const got = sluice.get(id);
    const want = { N: Number(n), TOTAL: Number(total), MAX_PRICE: Number(maxPrice) };
    if (!got || got.N !== want.N || got.TOTAL !== want.TOTAL || got.MAX_PRICE !== want.MAX_PRICE) {
      if (++mismatches <= 5) {
        console.log(`${name} ${id}: sluice ${JSON.stringify(got)} duckdb ${JSON.stringify(want)}`);
      }
    }
  }
  const extra = [...sluice.keys()].filter((id) => !seen.has(id));
  assert.equal(mismatches, 0, `${name}: ${mismatches} windows differ`);
  assert.deepEqual(extra, [], `${name}: windows DuckDB does not have`);
  console.log(`# ${name}: ${duck.length} windows agree`);
}

test('tumbling and hopping windows agree with DuckDB', { timeout: 300000 }, async () => {
  const admin = kafka.admin();
  clients.push(admin);
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'bids', numPartitions: 3 }] });

  await ksql(
    "CREATE STREAM bids (auction BIGINT KEY, bidder BIGINT, price BIGINT, channel STRING) " +
      "WITH (kafka_topic='bids', value_format='JSON');" +
      'CREATE TABLE tumble AS SELECT auction, COUNT(*) AS n, SUM(price) AS total, ' +
      'MAX(price) AS max_price FROM bids WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY auction;' +
      'CREATE TABLE hop AS SELECT auction, COUNT(*) AS n, SUM(price) AS total, ' +
      'MAX(price) AS max_price FROM bids WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 4 SECONDS) ' +
      'GROUP BY auction;' +
      'CREATE TABLE by_channel AS SELECT channel, COUNT(*) AS n, SUM(price) AS total, ' +
      'MAX(price) AS max_price FROM bids WINDOW HOPPING (SIZE 30 SECONDS, ADVANCE BY 10 SECONDS) ' +
      'GROUP BY channel;');

  const jsonl = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'window-diff-')), 'bids.jsonl');
  const lines = [];
  const producer = kafka.producer();
  clients.push(producer);
  await producer.connect();
  let batch = [];
  for (const b of bids()) {
    lines.push(JSON.stringify(b));
    const key = Buffer.alloc(8);
    key.writeBigInt64BE(BigInt(b.auction));
    batch.push({
      key,
      value: JSON.stringify({ BIDDER: b.bidder, PRICE: b.price, CHANNEL: b.channel }),
      timestamp: String(b.dateTime),
      partition: b.auction % 3,
    });
    if (batch.length === 500) {
      await producer.send({ topic: 'bids', messages: batch });
      batch = [];
    }
  }
  if (batch.length) await producer.send({ topic: 'bids', messages: batch });
  fs.writeFileSync(jsonl, lines.join('\n') + '\n');

  // DuckDB's windows: a tumbling window per (key, floor(time / size) * size); a hopping window
  // per start in (time - size, time] that is a multiple of the advance (Kafka Streams' windows).
  const tumble = await duckRows(
    'SELECT auction, (dateTime // 10000) * 10000 AS ws, COUNT(*), SUM(price), MAX(price) ' +
      'FROM bids GROUP BY ALL ORDER BY ALL', jsonl);
  const hopping = (key, size, advance) =>
    `SELECT ${key}, ws, COUNT(*), SUM(price), MAX(price) FROM (SELECT *, UNNEST(generate_series(` +
    `(greatest(0, dateTime - ${size} + ${advance}) // ${advance}) * ${advance}, dateTime, ` +
    `${advance})) AS ws FROM bids) GROUP BY ALL ORDER BY ALL`;
  const hop = await duckRows(hopping('auction', 10000, 4000), jsonl);
  const byChannel = await duckRows(hopping('channel', 30000, 10000), jsonl);

  const bigint = (k) => k.readBigInt64BE(0).toString();
  const string = (k) => k.toString('utf8');
  const t = await finalResults('TUMBLE', bigint, tumble.length);
  const h = await finalResults('HOP', bigint, hop.length);
  const c = await finalResults('BY_CHANNEL', string, byChannel.length);
  compare('tumbling by auction', t.last, tumble);
  compare('hopping by auction', h.last, hop);
  compare('hopping by channel (repartitioned)', c.last, byChannel);
  // Every bid counted once per window it is in: an update per bid and window.
  assert.equal(t.records, kBids);
});
