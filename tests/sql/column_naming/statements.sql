-- Output column names: aliases, KSQL_COL_n for unaliased expressions, the field name for a
-- struct dereference, the column name for a plain column, and SELECT * (key columns first in the
-- schema, value columns in declaration order).
CREATE STREAM src (id STRING KEY, a INT, s STRUCT<f1 STRING, f2 INT>)
  WITH (kafka_topic='src', value_format='JSON');

CREATE STREAM named AS SELECT id, a, a + 1, s->f1, UCASE(s->f1), a * 2 AS twice FROM src;
CREATE STREAM star AS SELECT * FROM src;

-- The generated names are real column names a later query can select.
CREATE STREAM renamed AS SELECT id, KSQL_COL_0, F1, KSQL_COL_1 FROM named;
