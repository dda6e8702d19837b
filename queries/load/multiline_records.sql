-- Records with a line break inside a value.
SELECT count(*) FROM _checked WHERE _breaks > 0
