-- String functions, each with a normal value and NULL: case, trimming, length (Java chars),
-- SUBSTRING (1-based, negative from the end), CONCAT / CONCAT_WS (NULLs skipped), SPLIT,
-- REPLACE, INSTR, LPAD / RPAD, INITCAP, REVERSE, CHR (of a code point and of \u escapes).
CREATE STREAM words (id STRING KEY, s STRING, n INT)
  WITH (kafka_topic='words', value_format='JSON');

CREATE STREAM string_out AS
  SELECT id,
         LCASE(s) AS lower,
         UCASE(s) AS upper,
         TRIM(s) AS trimmed,
         LTRIM(s) AS ltrimmed,
         RTRIM(s) AS rtrimmed,
         LEN(s) AS len,
         LENGTH(s) AS length,
         SUBSTRING(s, 3) AS sub_from,
         SUBSTRING(s, 3, 2) AS sub_len,
         SUBSTRING(s, -3) AS sub_neg,
         CONCAT(s, '|', CAST(n AS STRING)) AS cat,
         CONCAT_WS('-', s, NULL, 'end') AS cat_ws,
         SPLIT(s, ' ') AS parts,
         REPLACE(s, 'l', 'L') AS replaced,
         REPLACE('ab', '', '-') AS replace_empty,
         INSTR(s, 'l') AS instr_first,
         INSTR(s, 'l', 1, 2) AS instr_second,
         LPAD(s, 9, '*-') AS lpad,
         RPAD(s, 4, '.') AS rpad,
         INITCAP(s) AS initcap,
         REVERSE(s) AS reversed,
         CHR(n) AS chr,
         CHR('\u0041\u00e9') AS chr_escaped
  FROM words;
