-- A real export's rows: the line of each in the export, as its adapter staged it.
UPDATE _checked SET _line = _stage._src_line FROM _stage WHERE _stage._ord = _checked._ord
