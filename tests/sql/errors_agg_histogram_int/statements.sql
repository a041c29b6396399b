-- HISTOGRAM counts strings only: an INT argument is refused, not converted.
CREATE STREAM s (id STRING KEY, g STRING, v INT) WITH (kafka_topic='s', value_format='JSON');
CREATE TABLE t AS SELECT g, HISTOGRAM(v) AS counts FROM s GROUP BY g;
