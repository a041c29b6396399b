-- EXPLODE: one output row per array element, other columns repeated; an empty or NULL array
-- gives no rows; two EXPLODEs in one SELECT zip (the shorter padded with NULL); EXPLODE of a
-- nested expression and of an array of structs.
CREATE STREAM baskets (id STRING KEY, items ARRAY<STRING>, qtys ARRAY<INT>,
                       lines ARRAY<STRUCT<sku STRING, n INT>>)
  WITH (kafka_topic='baskets', value_format='JSON');

CREATE STREAM items AS SELECT id, EXPLODE(items) AS item FROM baskets;
CREATE STREAM pairs AS SELECT id, EXPLODE(items) AS item, EXPLODE(qtys) AS qty FROM baskets;
CREATE STREAM lines AS SELECT id, EXPLODE(lines)->sku AS sku FROM baskets;
CREATE STREAM split_words AS SELECT id, EXPLODE(SPLIT(UCASE('a-b'), '-')) AS w FROM baskets;
