"""Line numbering and repair: the physical line of each record of a CSV or JSON Lines file."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import duckdb

from auditor.errors import AuditorError
from auditor.resources import sql
from auditor.load.types import SourceFile, Staged

def open_bytes(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip."""
    return (gzip.open if path.name.lower().endswith(".gz") else open)(path, "rb")  # type: ignore[operator]


def _lines_at(path: Path, offsets: list[int]) -> list[int]:
    """The 1-based line numbers of the given (sorted) byte offsets of a (decompressed) file."""
    lines: list[int] = []
    line, pos = 1, 0
    pending = iter(offsets)
    target = next(pending, None)
    with open_bytes(path) as fh:
        while target is not None and (chunk := fh.read(1 << 20)):
            end = pos + len(chunk)
            while target is not None and target < end:
                lines.append(line + chunk.count(b"\n", 0, target - pos))
                target = next(pending, None)
            line += chunk.count(b"\n")
            pos = end
    return lines


def _physical_lines(path: Path) -> int:
    """The number of lines of a (decompressed) file, the last one with or without a line break."""
    newlines, last = 0, b"\n"
    with open_bytes(path) as fh:
        while chunk := fh.read(1 << 20):
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
    return newlines + (last != b"\n")


def blank_lines(con: duckdb.DuckDBPyConnection, staged: Staged, path: Path, lines: int | None) -> int:
    """Find the lines of a CSV file that are blank outside quoted values (the reader skips them,
    so the lines after each are one further on than the records before them account for), as
    runs in `_blanks(line, span)`; return how many there are.

    The file's lines (counted with its hash) are compared with what the records account for
    (the header, a line per record, the line breaks inside values, the malformed records'
    lines); only a file with lines left over is searched. Lines that neither records nor blank
    lines account for are records the reader lost without a trace: the file is refused.
    """
    lines = _physical_lines(path) if lines is None else lines
    accounted = staged.header_lines + con.execute(sql("load/lines_accounted")).fetchone()[0]
    if lines <= accounted:
        return 0
    for first, span in _blank_runs(path):
        con.execute(sql("load/add_blanks"), [first, span])
    blank = con.execute(sql("load/blank_total")).fetchone()[0]
    if lines > accounted + blank:
        raise _lost_records(con, path, lines - accounted - blank)
    return blank


def _blank_runs(path: Path) -> Iterator[tuple[list[int], list[int]]]:
    """Runs of blank lines outside quoted values, a chunk of the file at a time: their first
    lines and their lengths.

    A line is blank when empty or a lone CR; it is outside quoted values when an even number of
    quotes precedes it (a quote inside a quoted value is written twice). Vectorised per chunk of
    the file, so a flood of millions of blank lines costs a few numpy operations, not a Python
    loop, and memory stays that of a chunk.
    """
    import numpy as np

    pos = newlines = quotes = quotes_at_last = 0  # chunk offset; newlines, quotes before it; quotes up to the last newline
    last_newline, last_byte = -1, -1  # absolute offset of the last newline seen; the byte before the chunk
    with open_bytes(path) as fh:
        while chunk := fh.read(1 << 20):
            a = np.frombuffer(chunk, np.uint8)
            ends = np.flatnonzero(a == 10)
            counted = np.cumsum(a == 34)
            if len(ends):
                starts = np.concatenate(([last_newline + 1], ends[:-1] + pos + 1))
                length = ends + pos - starts
                before = np.where(ends > 0, a[np.maximum(ends - 1, 0)], last_byte)
                blank = (length == 0) | ((length == 1) & (before == 13))
                quotes_before = np.concatenate(([quotes_at_last], quotes + counted[ends[:-1]]))
                found = newlines + 1 + np.flatnonzero(blank & (quotes_before % 2 == 0))  # line numbers, from 1
                if len(found):
                    breaks = np.flatnonzero(np.diff(found) != 1) + 1
                    first = found[np.concatenate(([0], breaks))]
                    span = np.diff(np.concatenate(([0], breaks, [len(found)])))
                    yield first.tolist(), span.tolist()
                newlines += len(ends)
                last_newline = pos + int(ends[-1])
                quotes_at_last = quotes + int(counted[ends[-1]])
            quotes += int(counted[-1])
            last_byte = int(a[-1])
            pos += len(chunk)


def stray_cr_line(path: Path) -> int | None:
    """The line of the first carriage return that ends no line (no line feed follows it) outside
    quoted values, which stops DuckDB's CSV reader with no line of its own; None if none."""
    import numpy as np

    line, quotes, held = 1, 0, None  # held: (line, quotes) of a CR at the end of the previous chunk
    with open_bytes(path) as fh:
        while chunk := fh.read(1 << 20):
            a = np.frombuffer(chunk, np.uint8)
            if held is not None and a[0] != 10 and held[1] % 2 == 0:
                return held[0]
            counted = np.cumsum(a == 34)
            newlines = np.cumsum(a == 10)
            crs = np.flatnonzero(a == 13)
            inner = crs[crs + 1 < len(a)]
            bare = inner[a[inner + 1] != 10]
            bare = bare[(quotes + counted[bare]) % 2 == 0]
            if len(bare):
                return line + int(newlines[bare[0]])
            held = (line + int(newlines[-1]), quotes + int(counted[-1])) if a[-1] == 13 else None
            line += int(newlines[-1])
            quotes += int(counted[-1])
    return None


# DuckDB's CSV reader skips, without a trace, a record of about 32,000,000 bytes or more (a
# shorter one over its line limit is rejected, and quarantined).
LONGEST_RECORD = 31_990_000


def _first_long_line(path: Path, longest: int = LONGEST_RECORD) -> int | None:
    """The first line of a (decompressed) file longer than `longest` bytes, or None."""
    import numpy as np

    line, run = 1, 0  # the line the chunk starts in, and its bytes before the chunk
    with open_bytes(path) as fh:
        while chunk := fh.read(1 << 20):
            ends = np.flatnonzero(np.frombuffer(chunk, np.uint8) == 10)
            if not len(ends):
                run += len(chunk)
                if run > longest:
                    return line
                continue
            lengths = np.diff(ends, prepend=-1) - 1
            lengths[0] += run
            over = np.flatnonzero(lengths > longest)
            if len(over):
                return line + int(over[0])
            line += len(ends)
            run = len(chunk) - int(ends[-1]) - 1
    return line if run > longest else None


def _lost_records(con: duckdb.DuckDBPyConnection, path: Path, lost: int) -> AuditorError:
    """The error for a file some of whose lines are in no record the reader returned, good or
    rejected: say why, when it can be told."""
    long = _first_long_line(path)
    if long is not None:
        return AuditorError(f"{path}: line {long}: a record longer than 32 MB, which DuckDB's reader skips without a "
                            "trace; the file is refused rather than loaded without it")
    opened = con.execute(sql("load/quote_opened")).fetchone()[0]
    where = f" after line {opened}, whose quoted value is never closed" if opened else ""
    return AuditorError(f"{path}: {lost:,} line(s) are in no record the reader returned{where} (DuckDB's reader can "
                        "lose the records after a quote left open); the file is refused rather than loaded without them")


def refuse_lost_lines(con: duckdb.DuckDBPyConnection, path: Path, lines: int | None) -> None:
    """JSON Lines: every physical line is a row the reader returned (blank ones too) or one it
    rejected; a line neither is one it lost, and the file is refused."""
    lines = _physical_lines(path) if lines is None else lines
    accounted = con.execute(sql("load/jsonl_accounted")).fetchone()[0]
    if lines > accounted:
        raise _lost_records(con, path, lines - accounted)


def correct_reject_lines(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Replace the reader's line numbers of malformed records by physical line numbers.

    DuckDB's `line` counts records, not lines, once a quoted value has spanned lines; the byte
    offset of the record's start is exact, so the line is counted from it, except after blank
    lines (`_blanks`), where it may fall on one of them: the record starts on the first line
    after them. There are few such records (each one is an error), so this reads the file only
    when there are any.
    """
    offsets = [o for (o,) in con.execute(sql("load/reject_offsets")).fetchall()]
    if not offsets:
        return
    con.execute(sql("load/reject_lines"))
    con.executemany(sql("load/add_reject_line"), list(zip(offsets, _lines_at(path, offsets))))
    con.execute(sql("load/reject_lines_after_blanks"))
    con.execute(sql("load/set_reject_lines"))


def fix_lines(con: duckdb.DuckDBPyConnection, staged: Staged, blanks: int) -> None:
    """Correct `_line` when records span several lines, or malformed records or blank lines
    were skipped.

    A good record's line is the header, plus the records and embedded line breaks before it,
    plus the physical lines of the malformed records and the blank lines the reader skipped
    before it.
    """
    if not staged.structural:
        return
    multiline = bool(staged.text_columns) and con.execute(sql("load/multiline_records")).fetchone()[0]
    if not multiline and not blanks and not con.execute(sql("load/reject_count")).fetchone()[0]:
        return
    # `breaks`: the column counting line breaks inside a record's values, when any has one.
    con.execute(sql("load/fix_lines").format(breaks="_breaks" if multiline else "0"), {"header_lines": staged.header_lines})


# A file cut off (a copy or download that stopped early) ends in an incomplete record that no
# line break ends. The reader has already parsed that record as its last malformed one, so the
# check asks the reader rather than counting quotes over the whole file (which a quote kept as
# text inside an unquoted value, `5" screen`, would throw off); only then is the file's end read,
# to see that no line break follows. A complete last record without one is fine: many tools
# write none.
# The statement finding a cut last record, by format (queries/load/cut_last_record_<format>.sql).
CUT_LAST_RECORD = {"csv": "load/cut_last_record_csv", "jsonl": "load/cut_last_record_jsonl"}


def _tail(path: Path, size: int = 1 << 16) -> bytes:
    """The last `size` bytes of a (decompressed) file. A plain file is read at its end only; a
    gzip stream has no end to seek to, so it is read through."""
    if not path.name.lower().endswith(".gz"):
        with path.open("rb") as fh:
            fh.seek(max(fh.seek(0, os.SEEK_END) - size, 0))
            return fh.read()
    tail = b""
    with open_bytes(path) as fh:
        while chunk := fh.read(1 << 20):
            tail = (tail + chunk)[-size:]
    return tail


def _ends_unbroken(path: Path) -> bool:
    """Whether the file's last line holds text and no line break ends it (CR alone counts as one:
    a CRLF file may be cut between the two)."""
    tail = _tail(path)
    return not tail.endswith((b"\n", b"\r")) and bool(tail.rsplit(b"\n", 1)[-1].strip())


def refuse_truncated(con: duckdb.DuckDBPyConnection, src: SourceFile) -> None:
    """Fail the file when it is cut off in its last record, naming the line where that record
    starts (the header being line 1); see CUT_LAST_RECORD. The file's end is read only when
    the reader found such a record (a gzip file is then decompressed once more)."""
    found = con.execute(sql(CUT_LAST_RECORD[src.format])).fetchone()
    if found and _ends_unbroken(src.path):
        raise AuditorError(
            f"{src.path}: truncated at line {found[0]}: the last record is incomplete and not ended by a line break"
        )
