-- Array and map functions with values, empty collections and NULL: ARRAY_LENGTH,
-- ARRAY_CONTAINS, ARRAY_SORT (ASC/DESC[ENDING], NULLs last, another direction gives NULL),
-- ARRAY_DISTINCT, ARRAY_MAX, ARRAY_MIN, ARRAY_JOIN (a NULL delimiter joins with nothing),
-- MAP_KEYS, MAP_VALUES (sorted here: map order is not specified), MAP_UNION.
CREATE STREAM bags (id STRING KEY, nums ARRAY<INT>, words ARRAY<STRING>, m MAP<STRING, INT>, m2 MAP<STRING, INT>)
  WITH (kafka_topic='bags', value_format='JSON');

CREATE STREAM coll_out AS
  SELECT id,
         ARRAY_LENGTH(nums) AS len,
         ARRAY_CONTAINS(nums, 3) AS has3,
         ARRAY_SORT(nums) AS sorted,
         ARRAY_SORT(nums, 'DESC') AS sorted_desc,
         ARRAY_SORT(nums, 'descending') AS sorted_descending,
         ARRAY_SORT(nums, 'up') AS bad_direction,
         ARRAY_DISTINCT(words) AS distinct_words,
         ARRAY_MAX(nums) AS max,
         ARRAY_MIN(words) AS min,
         ARRAY_JOIN(words) AS joined,
         ARRAY_JOIN(nums, '/') AS joined_nums,
         ARRAY_JOIN(words, CAST(NULL AS STRING)) AS joined_no_sep,
         ARRAY_SORT(MAP_KEYS(m)) AS keys,
         ARRAY_SORT(MAP_VALUES(m)) AS vals,
         MAP_UNION(m, m2) AS merged
  FROM bags;
