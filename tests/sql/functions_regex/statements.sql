-- Regular expressions (Java syntax) with matches, no match and NULL: REGEXP_EXTRACT (whole match
-- or a group), REGEXP_EXTRACT_ALL, REGEXP_REPLACE (with $1 back-references),
-- REGEXP_SPLIT_TO_ARRAY (empty strings at the ends and between adjacent matches).
CREATE STREAM lines (id STRING KEY, s STRING)
  WITH (kafka_topic='lines', value_format='JSON');

CREATE STREAM regex_out AS
  SELECT id,
         REGEXP_EXTRACT('\d+', s) AS first_num,
         REGEXP_EXTRACT('(\w+)@(\w+)', s, 2) AS host,
         REGEXP_EXTRACT_ALL('\d+', s) AS all_nums,
         REGEXP_EXTRACT_ALL('(\w)(\d)', s, 2) AS digits_after_letter,
         REGEXP_REPLACE(s, '\d+', '#') AS masked,
         REGEXP_REPLACE(s, '(\w+)@(\w+)', '$2 at $1') AS swapped,
         REGEXP_SPLIT_TO_ARRAY(s, '\d+') AS pieces
  FROM lines;
