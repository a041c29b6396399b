// The peer of format_bench's avro_decode / avro_encode figures: avsc (npm), the fastest Avro
// library for JavaScript (it compiles a decoder and an encoder per schema), on the same records.
//
// Usage: node avsc_peer.js RECORDS_FILE SECONDS
// RECORDS_FILE: the writer schema as one line of JSON, then the records' Avro datums (without
// Confluent's 5-byte header), each as a 4-byte little-endian length and the bytes.
// Prints "avsc_decode <MB/s> MB/s <M rows/s> M rows/s" and the same for avsc_encode, rates per
// second of this process's CPU time, as format_bench measures its own.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const [file, secondsArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node avsc_peer.js RECORDS_FILE SECONDS');
  process.exit(2);
}
const avro = require(path.join(__dirname, '..', 'tests', 'node', 'node_modules', 'avsc'));
const budget = Number(secondsArg || 1);

const data = fs.readFileSync(file);
const newline = data.indexOf(10);
const type = avro.Type.forSchema(JSON.parse(data.subarray(0, newline).toString('utf8')));
const records = [];
let bytesPerPass = 0;
for (let at = newline + 1; at < data.length;) {
  const n = data.readUInt32LE(at);
  records.push(data.subarray(at + 4, at + 4 + n));
  bytesPerPass += n;
  at += 4 + n;
}

function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function run(name, pass) {
  // Warm up so that the JIT has compiled the codec before the clock starts.
  pass();
  const wallStart = Date.now();
  const cpuStart = cpuSeconds();
  let rows = 0;
  let bytes = 0;
  do {
    bytes += pass();
    rows += records.length;
  } while ((Date.now() - wallStart) / 1000 < budget);
  const secs = cpuSeconds() - cpuStart;
  console.log(`${name} ${(bytes / secs / 1e6).toFixed(1)} MB/s ` +
              `${(rows / secs / 1e6).toFixed(2)} M rows/s`);
}

let checksum = 0;
run('avsc_decode', () => {
  for (const r of records) checksum += type.fromBuffer(r).PRICE === 42 ? 1 : 0;
  return bytesPerPass;
});
const values = records.map((r) => type.fromBuffer(r));
run('avsc_encode', () => {
  let bytes = 0;
  for (const v of values) bytes += type.toBuffer(v).length;
  return bytes;
});
if (checksum === -1) console.log('');
