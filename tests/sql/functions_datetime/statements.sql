-- Date/time functions with values and with NULL: TIMESTAMPTOSTRING / STRINGTOTIMESTAMP (BIGINT
-- millis, optional zone), FORMAT_/PARSE_ TIMESTAMP, DATE and TIME, DATETOSTRING/STRINGTODATE
-- (days), UNIX_TIMESTAMP, UNIX_DATE, FROM_UNIXTIME, FROM_DAYS, TIMESTAMPADD/SUB, DATEADD/SUB
-- and CONVERT_TZ. Short zone names ('z') are Java's: PDT, JST, CEST.
CREATE STREAM times (id STRING KEY, ms BIGINT, ts TIMESTAMP, d DATE, tm TIME, s STRING, n_days INT)
  WITH (kafka_topic='times', value_format='JSON');

CREATE STREAM legacy_out AS
  SELECT id,
         TIMESTAMPTOSTRING(ms, 'yyyy-MM-dd HH:mm:ss.SSS') AS ms_text,
         TIMESTAMPTOSTRING(ms, 'yyyy-MM-dd HH:mm', 'America/Los_Angeles') AS la_text,
         STRINGTOTIMESTAMP(s, 'yyyy-MM-dd HH:mm:ss') AS parsed_ms,
         STRINGTOTIMESTAMP(s, 'yyyy-MM-dd HH:mm:ss', 'Europe/Paris') AS paris_ms,
         DATETOSTRING(n_days, 'yyyy-MM-dd') AS days_text,
         STRINGTODATE(SUBSTRING(s, 1, 10), 'yyyy-MM-dd') AS parsed_days
  FROM times;

CREATE STREAM typed_out AS
  SELECT id,
         FORMAT_TIMESTAMP(ts, 'dd/MM/yyyy HH:mm') AS ts_text,
         FORMAT_TIMESTAMP(ts, 'HH:mm z', 'America/New_York') AS ny_text,
         FORMAT_TIMESTAMP(ts, 'HH:mm z', 'Asia/Tokyo') AS tokyo_text,
         FORMAT_TIMESTAMP(ts, 'MMM d HH:mm z', 'Europe/Paris') AS paris_text,
         PARSE_TIMESTAMP(s, 'yyyy-MM-dd HH:mm:ss') AS parsed_ts,
         FORMAT_DATE(d, 'yyyy/MM/dd') AS d_text,
         PARSE_DATE(SUBSTRING(s, 1, 10), 'yyyy-MM-dd') AS parsed_d,
         FORMAT_TIME(tm, 'HH:mm:ss.SSS') AS tm_text,
         PARSE_TIME(SUBSTRING(s, 12), 'HH:mm:ss') AS parsed_tm,
         UNIX_TIMESTAMP(ts) AS unix_ts,
         UNIX_DATE(d) AS unix_d,
         UNIX_TIMESTAMP() > 1600000000000 AS now_ok,
         UNIX_DATE() > 18000 AS today_ok,
         FROM_UNIXTIME(ms) AS from_ms,
         FROM_DAYS(n_days) AS from_days,
         TIMESTAMPADD(HOURS, 2, ts) AS plus_2h,
         TIMESTAMPSUB(DAYS, 1, ts) AS minus_1d,
         DATEADD(DAYS, 3, d) AS d_plus_3,
         DATESUB(DAYS, 1, d) AS d_minus_1,
         CONVERT_TZ(ts, 'UTC', 'America/Los_Angeles') AS la_ts
  FROM times;
