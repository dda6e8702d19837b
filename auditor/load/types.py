"""What the load's steps pass to each other: a source file, the staged relation, a file's result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditor.schema import Log


@dataclass(frozen=True)
class SourceFile:
    """One input file and the log it holds."""

    log: Log
    path: Path
    format: str

    @property
    def name(self) -> str:
        return self.path.name if self.path.parent.name != self.log.name else f"{self.log.name}/{self.path.name}"


@dataclass
class FileResult:
    """What loading one file did. `skipped` is true when the same bytes were loaded before."""

    log: str
    file: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    duplicates: int = 0
    skipped: bool = False
    file_id: int | None = None  # its row in loaded_files (None when skipped)


@dataclass
class Staged:
    sources: dict[str, str]  # canonical column -> SQL over the relation (NULL when the column is absent)
    raw_sql: str  # SQL over `_s` (a row of the relation as a struct) rebuilding the source row as text
    extra_sql: str  # SQL over the relation: JSON object of the non-canonical columns, or NULL
    params: dict[str, object]
    header_lines: int  # physical lines before the first record (CSV header: 1)
    pre_errors: str = "[]"  # SQL list of error structs found while staging (JSONL: bad JSON)
    structural: bool = False  # whether the reader's reject table may hold malformed records
    text_columns: tuple[str, ...] = ()  # CSV: the relation's columns, to count line breaks inside values
    source_lines: bool = False  # real exports: _stage._src_line is the line in the export (or NULL)
    relation: str = "_stage"  # what the check reads: _stage, or SQL reading the file itself
    numbered: bool = True  # False: the relation's _ord is NULL, and _checked is numbered after (CSV)
    typed: frozenset[str] = frozenset()  # canonical columns the reader already gives in their type (Parquet)
    lookups: frozenset[str] = frozenset()  # canonical columns checked once per distinct value (checks.check_sql)
    row_key: str = "_ord"  # the relation's column that finds a record again (Parquet: the reader's row number)
