-- ARRAY, MAP and STRUCT columns, nested: element access (1-based and negative indexes; out of
-- range and index 0 give NULL), map lookup (missing key gives NULL), struct dereference,
-- constructors, and nulls at every level.
CREATE STREAM nested (id STRING KEY,
                      arr ARRAY<INT>,
                      m MAP<STRING, DOUBLE>,
                      s STRUCT<name STRING, tags ARRAY<STRING>, nested_s STRUCT<x INT>>,
                      arr_of_maps ARRAY<MAP<STRING, INT>>)
  WITH (kafka_topic='nested', value_format='JSON');

CREATE STREAM nested_out AS
  SELECT id,
         arr[1] AS first,
         arr[-1] AS last,
         arr[5] AS fifth,
         arr[0] AS zeroth,
         arr[-3] AS third_last,
         m['a'] AS a,
         m['zz'] AS zz,
         s->name AS name,
         s->tags[2] AS second_tag,
         s->nested_s->x AS x,
         arr_of_maps[1]['k'] AS k,
         ARRAY[1, 2, 3] AS lit_arr,
         MAP('one' := 1, 'two' := 2) AS lit_map,
         STRUCT(f1 := 'v', f2 := 42) AS lit_struct,
         s
  FROM nested;
