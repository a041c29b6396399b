-- A stream-stream join needs a WITHIN clause.
CREATE STREAM l (a INT KEY, b INT) WITH (kafka_topic='l', value_format='JSON');
CREATE STREAM r (a INT KEY, c INT) WITH (kafka_topic='r', value_format='JSON');

CREATE STREAM out AS SELECT l.a, l.b, r.c FROM l JOIN r ON l.a = r.a;
