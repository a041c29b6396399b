-- EMIT CHANGES on a persistent query is accepted (it is what such a query does anyway).
CREATE STREAM s (id STRING KEY, v INT) WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM o AS SELECT id, v FROM s WHERE v <> 2 EMIT CHANGES;
