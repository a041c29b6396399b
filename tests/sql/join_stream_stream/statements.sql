-- Stream-stream joins over out-of-order data. CTR: a LEFT JOIN with an asymmetric window (clicks
-- from 1 s before to 10 s after an impression) and a grace period: an impression nothing joins
-- is emitted with NULLs once stream time passes its window by the grace period (b at 20000), or
-- at once when it arrives after that (e, out of order); a click arriving after its impression
-- was emitted alone joins nothing (its window store no longer holds b). MATCHED: FULL OUTER
-- without a grace period emits unmatched records of either side at once, and later matches too.
CREATE STREAM impressions (ad STRING KEY, slot STRING)
  WITH (kafka_topic='impressions', value_format='JSON');
CREATE STREAM clicks (ad STRING KEY, x INT)
  WITH (kafka_topic='clicks', value_format='JSON');

CREATE STREAM ctr AS
  SELECT i.ad AS ad, i.slot, c.x
  FROM impressions i LEFT JOIN clicks c WITHIN (1 SECOND, 10 SECONDS) GRACE PERIOD 2 SECONDS
  ON i.ad = c.ad;

CREATE STREAM matched AS
  SELECT ROWKEY AS ad, i.slot, c.x
  FROM impressions i FULL OUTER JOIN clicks c WITHIN 5 SECONDS ON i.ad = c.ad;
