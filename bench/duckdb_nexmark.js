// DuckDB's time for Nexmark q3-q8 of `sluice bench nexmark`, the peer that
// command measures in the same run: `node bench/duckdb_nexmark.js <events.jsonl> <query>`, the
// events as the bench loaded them (sluice datagen nexmark's JSON lines).
//
// Loads the events into tables persons, auctions and bids (untimed), then runs the query's SQL
// (the same result as the bench's ksqlDB translation, see its --show-sql) three times with
// threads=1, its result materialized in DuckDB, and prints one line:
//   duckdb_ms=<fastest run> rows=<result rows> checksum=<the query's checksum: the sum of a
//   column of the result (AUCTION; q4 the rounded averages, q5 the counts, q7 the maxima)>
//   duckdb_version=<v>
// which the bench compares with Sluice's output. Without @duckdb/node-api (tests/node, installed
// by scripts/install-deps.sh) it prints `duckdb=unavailable ...` and exits 0.
'use strict';

const { loadDuckDb, sqlString } = require('./duckdb_load');
const { performance } = require('perf_hooks');

const kRuns = 3;
// Each query's SQL and the checksum the bench compares (over the result table).
const kQueries = {
  // Local item suggestion: sellers in OR, ID or CA of category-10 auctions.
  q3: {
    sql:
      'SELECT p.id AS seller, p.name, p.city, p.state, a.id AS auction ' +
      'FROM auctions a JOIN persons p ON a.seller = p.id ' +
      "WHERE a.category = 10 AND p.state IN ('OR', 'ID', 'CA')",
    checksum: 'SUM(auction)',
  },
  // Average closing price per category: each auction's highest bid among those made while it
  // was open, averaged per category.
  q4: {
    sql:
      'SELECT category, AVG(final) AS avg_price FROM (SELECT a.id, a.category, ' +
      'MAX(b.price) AS final FROM auctions a JOIN bids b ON a.id = b.auction ' +
      'WHERE b.dateTime BETWEEN a.dateTime AND a.expires GROUP BY a.id, a.category) ' +
      'GROUP BY category',
    checksum: 'SUM(round(avg_price))',
  },
  // Bids per auction in each 10-second window every 2 seconds (a window per start in
  // (time - 10 s, time] that is a multiple of 2 s, as Kafka Streams' hopping windows).
  q5: {
    sql:
      'SELECT auction, ws, COUNT(*) AS num FROM (SELECT *, UNNEST(generate_series(' +
      '(greatest(0, dateTime - 10000 + 2000) // 2000) * 2000, dateTime, 2000)) AS ws FROM bids) ' +
      'GROUP BY ALL',
    checksum: 'SUM(num)',
  },
  // The highest price of each 10-second tumbling window.
  q7: {
    sql: 'SELECT (dateTime // 10000) * 10000 AS ws, MAX(price) AS max_price FROM bids GROUP BY ALL',
    checksum: 'SUM(max_price)',
  },
  // New users who opened an auction within 10 seconds of registering (either order).
  q8: {
    sql:
      'SELECT p.id, p.name, a.id AS auction FROM persons p JOIN auctions a ' +
      'ON p.id = a.seller AND abs(a.dateTime - p.dateTime) <= 10000',
    checksum: 'SUM(auction)',
  },
};

async function main() {
  const [jsonl, query] = process.argv.slice(2);
  if (!jsonl || !kQueries[query]) {
    console.error('usage: node duckdb_nexmark.js <events.jsonl> q3|q4|q5|q7|q8');
    process.exit(2);
  }
  const duckdb = loadDuckDb();
  if (!duckdb) {
    console.log('duckdb=unavailable (@duckdb/node-api is not installed in tests/node)');
    return;
  }
  const instance = await duckdb.DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await instance.connect();
  await conn.run('SET threads = 1');
  await conn.run(
    `CREATE TABLE events AS SELECT * FROM read_json(${sqlString(jsonl)}, ` +
      "format = 'newline_delimited', columns = {event_type: 'INTEGER', " +
      "person: 'STRUCT(id BIGINT, name VARCHAR, city VARCHAR, state VARCHAR, dateTime BIGINT)', " +
      "auction: 'STRUCT(id BIGINT, seller BIGINT, category BIGINT, dateTime BIGINT, " +
      "expires BIGINT)', bid: 'STRUCT(auction BIGINT, price BIGINT, dateTime BIGINT)'})");
  await conn.run(
    'CREATE TABLE persons AS SELECT person.id AS id, person.name AS name, person.city AS city, ' +
      'person.state AS state, person.dateTime AS dateTime FROM events WHERE event_type = 0');
  await conn.run(
    'CREATE TABLE auctions AS SELECT auction.id AS id, auction.seller AS seller, ' +
      'auction.category AS category, auction.dateTime AS dateTime, auction.expires AS expires ' +
      'FROM events WHERE event_type = 1');
  await conn.run(
    'CREATE TABLE bids AS SELECT bid.auction AS auction, bid.price AS price, ' +
      'bid.dateTime AS dateTime FROM events WHERE event_type = 2');

  let best = Infinity;
  for (let i = 0; i < kRuns; ++i) {
    await conn.run('DROP TABLE IF EXISTS result');
    const t0 = performance.now();
    await conn.run(`CREATE TABLE result AS ${kQueries[query].sql}`);
    best = Math.min(best, performance.now() - t0);
  }
  const check = await conn.runAndReadAll(
    `SELECT COUNT(*)::BIGINT, COALESCE(${kQueries[query].checksum}, 0)::BIGINT, version() ` +
      'FROM result');
  const [rows, checksum, version] = check.getRows()[0];
  console.log(`duckdb_ms=${best.toFixed(3)} rows=${rows} checksum=${checksum} duckdb_version=${version}`);
  conn.closeSync();
  instance.closeSync();
}

main().catch((e) => {
  console.error(`duckdb_nexmark: ${e.stack || e}`);
  process.exit(1);
});
