// What the DuckDB peers of `sluice bench nexmark` share: the @duckdb/node-api package (installed
// in tests/node by scripts/install-deps.sh, null when missing) and SQL string quoting.
'use strict';

const path = require('path');
const { createRequire } = require('module');

function loadDuckDb() {
  // The package lives in tests/node/node_modules, beside the other npm packages of the tests.
  const requireFromTests = createRequire(path.join(__dirname, '..', 'tests', 'node', 'package.json'));
  try {
    return requireFromTests('@duckdb/node-api');
  } catch (e) {
    return null;
  }
}

function sqlString(s) {
  return `'${s.replace(/'/g, "''")}'`;
}

module.exports = { loadDuckDb, sqlString };
