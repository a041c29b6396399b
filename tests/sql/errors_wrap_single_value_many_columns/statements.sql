-- WRAP_SINGLE_VALUE=false needs exactly one value column.
CREATE STREAM s (a INT, b INT) WITH (kafka_topic='s', value_format='JSON', wrap_single_value=false);
