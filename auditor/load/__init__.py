"""The steps of a load, by job; auditor.ingest runs them (see its docstring).

files: discovery; stage: staging; checks: the validation SQL; lines: line numbering and
repair; write: `write_file`, the one lower step every file goes through; scratch: the owner of
the load's temporary tables; versions: the ids of access events with several rows; types: what
the steps pass to each other. None of these imports auditor.adapters: the adapters build on
them, and auditor.ingest sits above both.
"""
