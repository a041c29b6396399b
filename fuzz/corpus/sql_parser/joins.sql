SELECT o.id, c.name, s->street, arr[1], m['k'] FROM orders o
  LEFT OUTER JOIN customers c WITHIN (1 HOUR, 2 HOURS) GRACE PERIOD 1 MINUTE ON o.cid = c.id
  FULL JOIN x ON o.id = x.id PARTITION BY o.id EMIT CHANGES LIMIT 10;
