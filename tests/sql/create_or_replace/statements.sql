-- CREATE OR REPLACE: a source gains a column; a CSAS's query is replaced by one with an extra
-- column and a filter (the sink keeps its name and topic); IF NOT EXISTS on an existing source
-- is a no-op that keeps the first definition.
CREATE STREAM src (id STRING KEY, a INT) WITH (kafka_topic='src', value_format='JSON');
CREATE OR REPLACE STREAM src (id STRING KEY, a INT, b STRING)
  WITH (kafka_topic='src', value_format='JSON');

CREATE STREAM out AS SELECT id, a FROM src;
CREATE OR REPLACE STREAM out AS SELECT id, a, b FROM src WHERE a > 1;

CREATE STREAM IF NOT EXISTS out AS SELECT id FROM src;
CREATE STREAM IF NOT EXISTS src (id STRING KEY, z DOUBLE)
  WITH (kafka_topic='other', value_format='JSON');
CREATE STREAM copy AS SELECT * FROM src;
