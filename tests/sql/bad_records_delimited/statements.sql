-- DELIMITED values that cannot be decoded are skipped (and reported): too few columns, too
-- many columns, a number column holding text; the records around them flow.
CREATE STREAM rows_in (id STRING KEY, name STRING, n INT, x DOUBLE)
  WITH (kafka_topic='rows_in', value_format='DELIMITED');

CREATE STREAM rows_out AS SELECT id, name, n, x FROM rows_in;
