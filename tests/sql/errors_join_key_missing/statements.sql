-- A join's output must select its key: one of the join columns (ksqlDB's message names both).
CREATE STREAM l (a INT KEY, b INT) WITH (kafka_topic='l', value_format='JSON');
CREATE STREAM r (a INT KEY, c INT) WITH (kafka_topic='r', value_format='JSON');

CREATE STREAM out AS SELECT l.b, r.c FROM l JOIN r WITHIN 10 SECONDS ON l.a = r.a;
