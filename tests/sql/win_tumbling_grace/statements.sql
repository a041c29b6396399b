-- Tumbling windows of 10 s with a 5 s grace period, grouped by a value column (so through the
-- repartition topic). Each update's key is the page and its window (the output records' "window");
-- WINDOWSTART and WINDOWEND are value columns. A record out of order counts in its window while
-- that window is open (its end is after stream time - grace); once closed, a record for it is
-- dropped (no update), and a record with a NULL page joins no group and does not move stream time.
CREATE STREAM clicks (user STRING KEY, page STRING)
  WITH (kafka_topic='clicks', value_format='JSON');

CREATE TABLE page_counts AS
  SELECT page, WINDOWSTART AS ws, WINDOWEND AS we, COUNT(*) AS n
  FROM clicks
  WINDOW TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 5 SECONDS)
  GROUP BY page;
