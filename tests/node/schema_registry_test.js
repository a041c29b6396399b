// Confluent's npm Schema Registry client (@kafkajs/confluent-schema-registry) against Sluice's
// registry: registering, fetching and evolving Avro schemas (a compatible change gets a new id,
// an incompatible one is refused with 409), Confluent's wire format through Sluice's Kafka log
// with kafkajs, deletes and error codes over plain HTTP, and avsc decoding what the serializer
// wrote.
//
// And ksqlDB's Avro workflow over the SQL API: a stream declared without columns takes them from
// the registered schema, and its query's Avro output (registered by Sluice) decodes with the
// Confluent deserializer and with plain avsc.
//
// Usage: node schema_registry_test.js KAFKA_HOST:PORT REGISTRY_URL KSQL_URL
// (tests/schema_registry_test.cc starts the server and runs this.)
'use strict';

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const { Kafka, logLevel } = require('kafkajs');
const { SchemaRegistry, SchemaType, COMPATIBILITY } = require('@kafkajs/confluent-schema-registry');
const avro = require('avsc');

const [bootstrap, registryUrl, ksqlUrl] = process.argv.slice(2);
if (!bootstrap || !registryUrl || !ksqlUrl) {
  console.error('usage: node schema_registry_test.js KAFKA_HOST:PORT REGISTRY_URL KSQL_URL');
  process.exit(2);
}

const registry = new SchemaRegistry({ host: registryUrl });
const kafka = new Kafka({
  clientId: 'sluice-schema-registry-test',
  brokers: [bootstrap],
  logLevel: logLevel.ERROR,
  retry: { retries: 5, initialRetryTime: 100 },
});
const clients = [];
after(async () => {
  for (const c of clients) await c.disconnect().catch(() => {});
});

const userV1 = {
  type: 'record',
  name: 'User',
  namespace: 'com.example',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'name', type: 'string' },
  ],
};
// V1 with an optional field: BACKWARD compatible.
const userV2 = {
  ...userV1,
  fields: [...userV1.fields, { name: 'email', type: ['null', 'string'], default: null }],
};
// V2 with a required field: not BACKWARD compatible.
const userV3 = { ...userV2, fields: [...userV2.fields, { name: 'age', type: 'int' }] };

async function http(method, path, body) {
  const res = await fetch(registryUrl + path, {
    method,
    headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

test('register, fetch and round-trip Avro with the Confluent serializer', async () => {
  const subject = 'users-value';
  const { id } = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(userV1) },
    { subject },
  );
  assert.ok(id > 0);
  // Registering it again (whitespace differs) gives the same id.
  const again = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(userV1, null, 2) },
    { subject },
  );
  assert.equal(again.id, id);
  assert.equal(await registry.getLatestSchemaId(subject), id);
  assert.equal(await registry.getRegistryIdBySchema(subject, {
    type: SchemaType.AVRO,
    schema: JSON.stringify(userV1),
  }), id);
  const user = { id: 7, name: 'Ann' };
  const bytes = await registry.encode(id, user);
  // Confluent's wire format: magic byte 0, the schema id (4 bytes, big-endian), the Avro body.
  assert.equal(bytes[0], 0);
  assert.equal(bytes.readInt32BE(1), id);
  // (avsc decodes records as instances of a class of the record's name: compare their fields.)
  assert.deepEqual({ ...avro.Type.forSchema(userV1).fromBuffer(bytes.subarray(5)) }, user);
  assert.deepEqual({ ...(await registry.decode(bytes)) }, user);
});

test('a compatible change gets a new id, an incompatible one is refused', async () => {
  const subject = 'evolving-value';
  const v1 = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(userV1) }, { subject });
  const v2 = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(userV2) }, { subject });
  assert.notEqual(v1.id, v2.id);
  await assert.rejects(
    registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(userV3) }, { subject }),
    (err) => err.status === 409 && /incompatible/.test(err.message),
  );
  // Data written with v1 reads with v2 (the new field takes its default).
  const old = await registry.encode(v1.id, { id: 1, name: 'Bo' });
  assert.deepEqual({ ...(await registry.decode(old)) }, { id: 1, name: 'Bo' });
  const readerType = avro.Type.forSchema(userV2);
  const resolver = readerType.createResolver(avro.Type.forSchema(userV1));
  assert.deepEqual({ ...readerType.fromBuffer(old.subarray(5), resolver) },
    { id: 1, name: 'Bo', email: null });
  const versions = await http('GET', `/subjects/${subject}/versions`);
  assert.deepEqual(versions.body, [1, 2]);
  const check = await http('POST', `/compatibility/subjects/${subject}/versions/latest?verbose=true`,
    { schema: JSON.stringify(userV3) });
  assert.equal(check.status, 200);
  assert.equal(check.body.is_compatible, false);
  assert.ok(check.body.messages.some((m) => m.includes('READER_FIELD_MISSING_DEFAULT_VALUE')));
  // With NONE, anything goes.
  assert.deepEqual((await http('PUT', `/config/${subject}`, { compatibility: 'NONE' })).body,
    { compatibility: 'NONE' });
  // (The client checks that the subject's level is the one it is told to expect.)
  const v3 = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(userV3) },
    { subject, compatibility: COMPATIBILITY.NONE });
  assert.ok(v3.id > v2.id);
});

test('Avro records through Sluice with kafkajs', async () => {
  const topic = 'avro-users';
  const { id } = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(userV2) },
    { subject: `${topic}-value` },
  );
  const admin = kafka.admin();
  clients.push(admin);
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  const producer = kafka.producer();
  clients.push(producer);
  await producer.connect();
  const users = [
    { id: 1, name: 'Ann', email: 'ann@example.com' },
    { id: 2, name: 'Bob', email: null },
  ];
  await producer.send({
    topic,
    messages: await Promise.all(users.map(async (u) => ({
      key: String(u.id),
      value: await registry.encode(id, u),
    }))),
  });
  const consumer = kafka.consumer({ groupId: 'avro-readers' });
  clients.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), 20000);
    consumer.run({
      eachMessage: async ({ message }) => {
        got.push(await registry.decode(message.value));
        if (got.length === users.length) {
          clearTimeout(timer);
          resolve();
        }
      },
    }).catch(reject);
  });
  assert.deepEqual(got.map((u) => ({ ...u })), users);
});

async function ksql(statement) {
  const res = await fetch(`${ksqlUrl}/ksql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/vnd.ksql.v1+json' },
    body: JSON.stringify({
      ksql: statement,
      streamsProperties: { 'ksql.streams.auto.offset.reset': 'earliest' },
    }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

// The first `count` records of `topic`, from the beginning.
async function consume(topic, count) {
  const consumer = kafka.consumer({ groupId: `read-${topic}` });
  clients.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out reading ${topic}`)), 30000);
    consumer.run({
      eachMessage: async ({ message }) => {
        got.push(message);
        if (got.length === count) {
          clearTimeout(timer);
          resolve();
        }
      },
    }).catch(reject);
  });
  await consumer.stop();
  return got;
}

test('ksqlDB streams over Avro: inferred columns in, registered Avro out', async () => {
  const topic = 'orders';
  const order = {
    type: 'record',
    name: 'Order',
    namespace: 'com.example',
    fields: [
      { name: 'id', type: 'long' },
      { name: 'item', type: 'string' },
      { name: 'amount', type: 'double' },
      { name: 'grade', type: { type: 'enum', name: 'Grade', symbols: ['S', 'M', 'L'] } },
      { name: 'tags', type: { type: 'array', items: 'string' } },
      { name: 'note', type: ['null', 'string'], default: null },
    ],
  };
  const { id } = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(order) },
    { subject: `${topic}-value` },
  );
  const admin = kafka.admin();
  clients.push(admin);
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
  const producer = kafka.producer();
  clients.push(producer);
  await producer.connect();
  const orders = [
    { id: 1, item: 'tea', amount: 3.5, grade: 'S', tags: ['hot'], note: null },
    { id: 2, item: 'cake', amount: 12.25, grade: 'L', tags: [], note: 'birthday' },
    { id: 3, item: 'pie', amount: 8, grade: 'M', tags: ['a', 'b'], note: null },
  ];
  await producer.send({
    topic,
    messages: await Promise.all(orders.map(async (o) => ({
      key: String(o.id),
      value: await registry.encode(id, o),
    }))),
  });
  // No columns: ksqlDB takes them from the subject's latest schema, names upper-cased.
  await ksql(`CREATE STREAM ORDERS WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='AVRO');`);
  const described = await ksql('DESCRIBE ORDERS;');
  const fields = described[0].sourceDescription.fields.map((f) => `${f.name} ${f.schema.type}`);
  assert.deepEqual(fields, [
    'ID BIGINT', 'ITEM STRING', 'AMOUNT DOUBLE', 'GRADE STRING', 'TAGS ARRAY', 'NOTE STRING',
  ]);
  await ksql(`CREATE STREAM BIG_ORDERS WITH (KAFKA_TOPIC='big_orders', PARTITIONS=1) AS
      SELECT ID, ITEM, AMOUNT * 2 AS DOUBLED, GRADE, TAGS FROM ORDERS WHERE AMOUNT > 5;`);
  const out = await consume('big_orders', 2);
  // The Confluent deserializer finds the schema Sluice registered for the sink.
  const decoded = await Promise.all(out.map((m) => registry.decode(m.value)));
  decoded.sort((a, b) => a.ID - b.ID);
  assert.deepEqual(decoded.map((o) => ({ ...o })), [
    { ID: 2, ITEM: 'cake', DOUBLED: 24.5, GRADE: 'L', TAGS: [] },
    { ID: 3, ITEM: 'pie', DOUBLED: 16, GRADE: 'M', TAGS: ['a', 'b'] },
  ]);
  // So does plain avsc with the schema the subject holds, as ksqlDB names it.
  const latest = await http('GET', '/subjects/big_orders-value/versions/latest');
  assert.equal(latest.status, 200);
  const schema = JSON.parse(latest.body.schema);
  assert.equal(schema.name, 'KsqlDataSourceSchema');
  assert.equal(schema.namespace, 'io.confluent.ksql.avro_schemas');
  const type = avro.Type.forSchema(schema);
  for (const m of out) {
    assert.equal(m.value.readUInt8(0), 0);
    assert.equal(m.value.readInt32BE(1), latest.body.id);
    const v = type.fromBuffer(m.value.subarray(5));
    assert.ok(v.ID === 2 || v.ID === 3);
  }
});

test('deletes and error codes', async () => {
  const subject = 'doomed-value';
  const doomed = { type: 'record', name: 'Doomed', fields: [{ name: 'n', type: 'int' }] };
  const { id } = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(doomed) }, { subject });
  const byId = await http('GET', `/schemas/ids/${id}`);
  assert.deepEqual(JSON.parse(byId.body.schema), doomed);
  assert.deepEqual((await http('GET', '/schemas/ids/999999')).body,
    { error_code: 40403, message: 'Schema 999999 not found' });
  assert.equal((await http('GET', '/subjects/nobody/versions')).body.error_code, 40401);
  assert.equal((await http('GET', `/subjects/${subject}/versions/0`)).body.error_code, 42202);
  assert.equal((await http('POST', `/subjects/${subject}/versions`,
    { schema: '{"type":"record"}' })).body.error_code, 42201);
  assert.equal((await http('DELETE', `/subjects/${subject}?permanent=true`)).body.error_code, 40405);
  assert.deepEqual((await http('DELETE', `/subjects/${subject}`)).body, [1]);
  assert.equal((await http('GET', `/subjects/${subject}/versions`)).body.error_code, 40401);
  assert.deepEqual((await http('GET', `/subjects/${subject}/versions?deleted=true`)).body, [1]);
  assert.deepEqual((await http('DELETE', `/subjects/${subject}?permanent=true`)).body, [1]);
  const subjects = (await http('GET', '/subjects?deleted=true')).body;
  assert.ok(!subjects.includes(subject));
  assert.deepEqual((await http('GET', '/schemas/types')).body, ['JSON', 'PROTOBUF', 'AVRO']);
  assert.deepEqual((await http('GET', '/config')).body, { compatibilityLevel: 'BACKWARD' });
  assert.equal((await http('PUT', '/config', { compatibility: 'SIDEWAYS' })).body.error_code, 42203);
});
