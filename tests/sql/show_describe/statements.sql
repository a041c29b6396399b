-- SHOW / LIST and DESCRIBE ... [EXTENDED] between other statements: they produce no records and
-- must not disturb the queries around them. (Their rows are checked by the engine's unit tests;
-- DESCRIBE FUNCTION and EXPLAIN are answered by the REST API, not the engine.)
CREATE STREAM src (id STRING KEY, v INT) WITH (kafka_topic='src', value_format='JSON');
CREATE STREAM out AS SELECT id, v + 1 AS v FROM src;
SHOW STREAMS;
LIST STREAMS;
SHOW TABLES;
SHOW TOPICS;
SHOW ALL TOPICS;
SHOW QUERIES;
SHOW FUNCTIONS;
SHOW PROPERTIES;
SHOW VARIABLES;
SHOW TYPES;
DESCRIBE src;
DESCRIBE out EXTENDED;
