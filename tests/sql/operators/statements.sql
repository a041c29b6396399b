-- Arithmetic (+ - * / %, unary minus, integer division, division by zero), string + string,
-- comparisons (NULL compares FALSE), AND/OR/NOT with three-valued logic, LIKE with % and _
-- and ESCAPE, IN and BETWEEN (NULL gives FALSE, so NOT IN / NOT BETWEEN give TRUE, as in ksqlDB),
-- IS [NOT] NULL, IS [NOT] DISTINCT FROM, and CASE.
CREATE STREAM nums (id STRING KEY, a INT, b INT, s STRING, flag BOOLEAN)
  WITH (kafka_topic='nums', value_format='JSON');

CREATE STREAM ops_out AS
  SELECT id,
         a + b AS sum,
         a - b AS diff,
         a * b AS prod,
         a / b AS quot,
         a % b AS rem,
         a / 2.0 AS real_quot,
         -a AS neg,
         s + '!' AS shout,
         a > b AS gt,
         a <= b AS le,
         a <> b AS ne,
         flag AND a > 0 AS and_pos,
         flag OR a > 0 AS or_pos,
         NOT flag AS not_flag,
         s LIKE 'he%' AS like_prefix,
         s LIKE '_e__o' AS like_under,
         s NOT LIKE '%x%' AS not_like,
         s LIKE '50!%' ESCAPE '!' AS like_escape,
         a IN (1, 2, 3) AS in_list,
         a NOT IN (1, 2) AS not_in,
         a BETWEEN 1 AND 10 AS in_range,
         a NOT BETWEEN 1 AND 10 AS not_in_range,
         s IS NULL AS s_null,
         s IS NOT NULL AS s_not_null,
         a IS DISTINCT FROM b AS distinct_ab,
         CASE WHEN a > 5 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'other' END AS size_class,
         CASE a WHEN 1 THEN 'one' WHEN 2 THEN 'two' END AS name
  FROM nums;
