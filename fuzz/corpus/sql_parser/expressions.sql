SELECT CASE WHEN a IS NULL THEN -1 WHEN a IN (1, 2) THEN 1.5 ELSE 2E3 END,
  CAST(b AS DECIMAL(10, 2)), TRANSFORM(arr, x => x * 2), REDUCE(arr, 0, (s, x) => s + x),
  MAP('a' := 1), STRUCT(f := 'x'), ARRAY[1, 2], a || 'b', NOT c, d IS DISTINCT FROM e,
  TIMESTAMPADD(SECONDS, 5, ts), `Quoted`, "dq" FROM s;
