-- Date/time, regex, JSON and collection functions; DEFINE'd variables; EXPLODE.
DEFINE topic = 'events';
CREATE STREAM events (id STRING KEY, ts BIGINT, payload STRING, tags ARRAY<STRING>)
  WITH (kafka_topic='${topic}', value_format='JSON');

CREATE STREAM enriched AS
  SELECT id,
         TIMESTAMPTOSTRING(ts, 'yyyy-MM-dd''T''HH:mm:ss', 'UTC') AS happened_at,
         REGEXP_EXTRACT('v(\d+)', EXTRACTJSONFIELD(payload, '$.version'), 1) AS major,
         ARRAY_LENGTH(tags) AS n_tags,
         EXPLODE(tags) AS tag
  FROM events;
