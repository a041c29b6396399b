-- A quoted lower-case name differs from the unquoted (upper-cased) one; the error hints at it.
CREATE STREAM "events" (id STRING KEY, n INT) WITH (kafka_topic='events', value_format='JSON');
INSERT INTO events (id, n) VALUES ('a', 1);
