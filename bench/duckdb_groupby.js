// DuckDB's time for the GROUP BY of `sluice bench nexmark --query agg`, the peer that command
// measures in the same run: `node bench/duckdb_groupby.js <bids.csv>` (the CSV holds the bids'
// auction,price with a header line, as the bench writes them).
//
// Loads the CSV into a table (untimed), then runs, with threads=1,
//   SELECT auction, COUNT(*), MAX(price), AVG(price) FROM bids GROUP BY auction
// three times, its result materialized in DuckDB (not converted to JS values), and prints one line:
//   duckdb_groupby_ms=<fastest run> groups=<n> bids=<sum of counts> max_price_sum=<sum of maxima>
//   duckdb_version=<v>
// (the sums let the bench check that DuckDB grouped the same bids). Without @duckdb/node-api
// (tests/node, installed by scripts/install-deps.sh) it prints `duckdb=unavailable ...` and exits 0.
'use strict';

const { loadDuckDb, sqlString } = require('./duckdb_load');
const { performance } = require('perf_hooks');

const kRuns = 3;
const kGroupBy =
  'SELECT auction, COUNT(*) AS bids, MAX(price) AS max_price, AVG(price) AS avg_price ' +
  'FROM bids GROUP BY auction';

async function main() {
  const csv = process.argv[2];
  if (!csv) {
    console.error('usage: node duckdb_groupby.js <bids.csv>');
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
    `CREATE TABLE bids AS SELECT * FROM read_csv(${sqlString(csv)}, header = true, ` +
      `columns = {'auction': 'BIGINT', 'price': 'BIGINT'})`);

  let best = Infinity;
  for (let i = 0; i < kRuns; ++i) {
    const t0 = performance.now();
    await conn.run(kGroupBy);
    best = Math.min(best, performance.now() - t0);
  }

  const check = await conn.runAndReadAll(
    'SELECT COUNT(*)::BIGINT, SUM(bids)::BIGINT, SUM(max_price)::BIGINT, version() ' +
      `FROM (${kGroupBy})`);
  const [groups, bids, maxPriceSum, version] = check.getRows()[0];
  console.log(
    `duckdb_groupby_ms=${best.toFixed(3)} groups=${groups} bids=${bids} ` +
      `max_price_sum=${maxPriceSum} duckdb_version=${version}`);
  conn.closeSync();
  instance.closeSync();
}

main().catch((e) => {
  console.error(`duckdb_groupby: ${e.stack || e}`);
  process.exit(1);
});
