-- TIMESTAMP (epoch milliseconds in JSON), DATE (days since the epoch) and TIME (milliseconds of
-- the day): decoding, encoding, CAST to and from STRING, comparison and nulls.
CREATE STREAM moments (id STRING KEY, ts TIMESTAMP, d DATE, t TIME)
  WITH (kafka_topic='moments', value_format='JSON');

CREATE STREAM moments_out AS
  SELECT id, ts, d, t,
         CAST(ts AS STRING) AS ts_text,
         CAST(d AS STRING) AS d_text,
         CAST(t AS STRING) AS t_text,
         CAST(ts AS DATE) AS ts_date,
         CAST(ts AS TIME) AS ts_time,
         CAST('2021-03-04T05:06:07.008' AS TIMESTAMP) AS parsed_ts,
         CAST('2021-03-04' AS DATE) AS parsed_d,
         CAST('05:06:07' AS TIME) AS parsed_t,
         ts > CAST('2000-01-01T00:00:00' AS TIMESTAMP) AS after_2000
  FROM moments;

-- TIMESTAMP, DATE and TIME compare with string literals, which are read as ISO-8601 values.
CREATE STREAM moments_cmp AS
  SELECT id, ts > '2000-01-01' AS after_2000, ts = '2018-05-11T21:58:33.123' AS exact,
         d < '2020-01-01' AS before_2020, t >= '12:00' AS afternoon,
         ts BETWEEN '2018-01-01' AND '2019-01-01' AS in_2018
  FROM moments;
