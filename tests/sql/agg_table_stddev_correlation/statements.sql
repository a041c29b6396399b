-- STDDEV_SAMP, STDDEV_SAMPLE, STDDEV_POP and CORRELATION over a table: a tombstone or an update
-- undoes the row's old contribution (ksqlDB's Youngs-Cramer undo, and its running sums), so the
-- results follow the group's current rows: 0.0 and NaN again below two values; a NULL x leaves
-- the row out.
CREATE TABLE points (id STRING PRIMARY KEY, grp STRING, x DOUBLE, y DOUBLE)
  WITH (kafka_topic='points', value_format='JSON');

CREATE TABLE stats AS
  SELECT grp, STDDEV_SAMP(x) AS var_x, STDDEV_SAMPLE(x) AS sd_x, STDDEV_POP(x) AS pop_x,
         CORRELATION(x, y) AS r
  FROM points
  GROUP BY grp;
