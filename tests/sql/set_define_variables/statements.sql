-- DEFINE / UNDEFINE variables substituted as ${name} in identifiers, literals and WITH
-- properties; SET / UNSET session properties, here the default value format used when a
-- CREATE has none.
DEFINE in_topic = 'raw_events';
DEFINE col = 'amount';
DEFINE factor = '3';
DEFINE unused = 'x';
UNDEFINE unused;

SET 'ksql.persistence.default.format.value' = 'JSON';
SET 'auto.offset.reset' = 'earliest';
UNSET 'auto.offset.reset';

CREATE STREAM events (id STRING KEY, ${col} INT) WITH (kafka_topic='${in_topic}');
CREATE STREAM scaled AS
  SELECT id, ${col} * ${factor} AS scaled, '${in_topic}' AS origin FROM events;
