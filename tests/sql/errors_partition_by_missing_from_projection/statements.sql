-- A PARTITION BY expression must also be selected; the error names every partitioning expression.
CREATE STREAM s (id STRING KEY, a INT, b INT) WITH (kafka_topic='s', key_format='JSON', value_format='JSON');
CREATE STREAM o AS SELECT a, id FROM s PARTITION BY a, b;
