-- HEADERS (every header as ARRAY<STRUCT<KEY STRING, VALUE BYTES>>) and HEADER('key') (the last
-- header with that key, as BYTES) columns; records without headers give an empty array and NULL.
CREATE STREAM traced (id STRING KEY, v INT,
                      hs ARRAY<STRUCT<key STRING, value BYTES>> HEADERS,
                      trace BYTES HEADER('trace'))
  WITH (kafka_topic='traced', value_format='JSON');

CREATE STREAM traced_out AS
  SELECT id, v,
         ARRAY_LENGTH(hs) AS n_headers,
         hs[1]->key AS first_key,
         FROM_BYTES(hs[1]->value, 'utf8') AS first_value,
         FROM_BYTES(trace, 'utf8') AS trace_id
  FROM traced;
