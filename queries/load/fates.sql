-- The rows of _checked per fate.
SELECT _fate, count(*) FROM _checked GROUP BY _fate
