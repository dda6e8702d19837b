"""Benchmark `auditor` against the DuckDB floor and the pandas way (issue #7).

    .venv/bin/python benchmarks/run.py --events 1M            # 10M, 100M, or 20k for a smoke run

For N access events it generates the logs with `auditor sample` (Parquet and CSV, reused when
already there), then times each step as its own process (median of --repeat runs, with the
child's peak RSS from os.wait4):

  floor       plain DuckDB: CREATE TABLE AS SELECT * FROM read_parquet / read_csv of the same
              access_events files, and one full scan of the loaded table
  bounds      the same Parquet rows written typed without validation, and auditor's validation
              statement in one pass with nothing set aside: where the load's time goes
  load        auditor load, Parquet and CSV, each into a fresh database (and typed Parquet with
              --formats parquet-typed); then the data's last month loaded into a fresh database
              and appended to a database holding the months before it
  check       auditor check (all controls), auditor check --period <the report's month> (a month
              of a year's database, which should cost a month), and auditor check --control for
              the five controls the pandas way computes
  report      auditor report --period <a full month of the data> --format html,pdf, and the same
              for that month made busy (about 100,000 findings at 10M events); then the HTML
              file's size and its time to interactive in Chromium (benchmarks/interactive.py)
  subject     auditor subject <the user with the most access events>
  pandas      benchmarks/pandas_way.py, whose findings must equal auditor check's

It prints a table and writes it as JSON to benchmarks/results/<YYYY-MM-DD>-<N>.json. See
benchmarks/README.md for what each number means. Exit code: 0 when every step ran and the
pandas way agreed with auditor, 1 otherwise (the JSON is written either way).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib.metadata
import json
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
EVENTS_PER_USER_MONTH = 28  # auditor sample's background rate (see auditor/sample.py)
START = "2026-08"  # auditor sample's default first month
FIVE_CONTROLS = (
    "consent-before-access",
    "access-after-disconnect",
    "consent-scope",
    "session-retention",
    "eu-us-transfer-tagged",
)
LOGS = ("users", "admin_events", "consent_events", "access_events", "dsr_requests")
EXT = {"parquet": "parquet", "parquet-typed": "parquet", "csv": "csv"}
FORMATS = ("parquet", "parquet-typed", "csv")
# --formats parquet-typed: the Parquet files with each column the contract types as a lake
# writes it (timestamps TIMESTAMP WITH TIME ZONE, integers BIGINT), made from the text ones; a
# value that is not one becomes NULL.
TYPED_KINDS = {"timestamp": "TIMESTAMPTZ", "integer": "BIGINT"}
SKIPPABLE = ("floor", "bounds", "month", "check-5", "report", "interactive", "subject", "pandas", "spark")

# A child loading the access_events files into a fresh database, as one of:
#   parquet, csv  the floor: what plain DuckDB needs to get the same files into a table. Every
#                 column is read as text, as auditor's own staging reads it (the Parquet files
#                 hold text too), so auditor load / floor load is the price of validation,
#                 normalisation, de-duplication and provenance;
#   typed         a bound (Parquet): the same rows written as auditor's table holds them
#                 (timestamps and integers cast, file id, row number and content hash), with no
#                 validation at all;
#   check         a bound (Parquet): auditor's own validation statement
#                 (auditor.load.checks.check_sql) in one pass straight into a table, setting
#                 nothing aside (rejected rows and duplicates are kept, no errors recorded): no
#                 loader, only what the validation costs by itself.
# auditor is imported only by the bounds. The spill directory lives in the workdir and is
# removed on exit.
LOAD = r"""
import json, shutil, sys, time
import duckdb
db, kind, threads, memory_limit, temp, *files = sys.argv[1:]
config = {"threads": int(threads), "temp_directory": temp}
if memory_limit:
    config["memory_limit"] = memory_limit


def bound(con):
    from pathlib import Path
    from auditor.db import run
    from auditor.load.checks import check_sql
    from auditor.load.stage import STAGERS
    from auditor.load.types import SourceFile
    from auditor.schema import LOGS_BY_NAME
    log = LOGS_BY_NAME["access_events"]
    names = ", ".join(f'"{c.name}"' for c in log.columns)
    if kind == "typed":
        cast = {"timestamp": "TIMESTAMPTZ", "integer": "BIGINT"}
        typed = ", ".join(f'TRY_CAST("{c.name}" AS {cast[c.kind]}) AS "{c.name}"' if c.kind in cast
                          else f'"{c.name}"' for c in log.columns)
        con.execute(f"CREATE TABLE access_events AS SELECT *, hash({names}) AS _hash FROM ("
                    f"SELECT {typed}, 1 AS _file_id, file_row_number + 1 AS _line "
                    "FROM read_parquet($files, file_row_number = true))", {"files": files})
        return
    for i, path in enumerate(files):
        staged = STAGERS["parquet"](con, SourceFile(log, Path(path), "parquet"))
        into = "INSERT INTO access_events" if i else "CREATE TABLE access_events AS"
        run(con, f"{into} SELECT {names}, {i + 1} AS _file_id, _line, _hash, _extra "
                 f"FROM ({check_sql(log, staged)})", {**staged.params, "naive_tz": None})


try:
    con = duckdb.connect(db, config=config)
    try:
        start = time.perf_counter()
        if kind in ("parquet", "parquet-typed", "csv"):
            reader = ("read_csv($files, header = true, all_varchar = true)" if kind == "csv"
                      else "read_parquet($files)")
            con.execute(f"CREATE TABLE access_events AS SELECT * FROM {reader}", {"files": files})
        else:
            bound(con)
        inner = time.perf_counter() - start
        rows = con.execute("SELECT count(*) FROM access_events").fetchone()[0]
    finally:
        con.close()
finally:
    shutil.rmtree(temp, ignore_errors=True)
print(json.dumps({"rows": rows, "inner_seconds": round(inner, 3)}))
"""

# A busy month for `report_busy`: on a copy of the loaded database, a few percent of the report
# month's access events are altered so that eight controls fail, and 2,000 requests received the
# month before are never answered. The report's target holds whatever the number of findings; the
# generated data alone has a few.
BUSY_MONTH = tuple(sql.replace("{month}", "occurred_at >= $start AND occurred_at < $end") for sql in (
    "UPDATE access_events SET fields = list_append(fields, 'body') WHERE {month} "
    "AND direction = 'microsoft_to_linkedin' AND category = 'calendar' AND hash(event_id) % 20 = 1",
    "UPDATE access_events SET connection_degree = 2 WHERE {month} "
    "AND direction = 'linkedin_to_microsoft' AND category = 'connections' AND hash(event_id) % 20 = 2",
    "UPDATE access_events SET transfer_mechanism = NULL WHERE {month} AND transfer_mechanism IS NOT NULL "
    "AND hash(event_id) % 20 = 3",
    "UPDATE access_events SET purged_at = session_end + INTERVAL 5 DAY WHERE {month} "
    "AND direction = 'linkedin_to_microsoft' AND category <> 'contacts' AND session_end IS NOT NULL "
    "AND hash(event_id) % 20 = 4",
    "UPDATE access_events SET category = 'messages' WHERE {month} AND hash(event_id) % 100 = 5",
    "UPDATE access_events SET user_id = 'busy-' || hash(event_id) % 997 WHERE {month} AND hash(event_id) % 100 = 6",
    "UPDATE access_events SET event_id = 'busy-' || hash(event_id) % 3000, _id_hash = hash('busy-' || hash(event_id) % 3000) "
    "WHERE {month} AND hash(event_id) % 100 = 7",
    "INSERT INTO dsr_requests (request_id, user_id, type, received_at, extended) "
    "SELECT 'BUSY-' || i, 'busy-' || i, 'access', $start - INTERVAL 1 MONTH + INTERVAL (i) MINUTE, false FROM range(2000) t(i)",
))

# The floor's scan: one full scan of the table the floor loaded from Parquet.
FLOOR_SCAN = r"""
import json, shutil, sys, time
import duckdb
db, threads, memory_limit, temp = sys.argv[1:]
config = {"threads": int(threads), "temp_directory": temp}
if memory_limit:
    config["memory_limit"] = memory_limit
try:
    con = duckdb.connect(db, read_only=True, config=config)
    try:
        start = time.perf_counter()
        row = con.execute("SELECT count(*), max(COLUMNS(*)) FROM access_events").fetchone()
        inner = time.perf_counter() - start
    finally:
        con.close()
finally:
    shutil.rmtree(temp, ignore_errors=True)
print(json.dumps({"rows": row[0], "inner_seconds": round(inner, 3)}))
"""

# ---------------------------------------------------------------------------------------------
# Sizes


def parse_events(text: str) -> int:
    """'20k', '200k', '1M', '1.5M', '10M', '100M', '1000000' -> a number of events."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number like 20k, 1M, 10M or 100M")
    value = float(m.group(1)) * {"": 1, "k": 1e3, "m": 1e6, "g": 1e9}[m.group(2).lower()]
    if value < 1000:
        raise argparse.ArgumentTypeError(f"{text!r}: at least 1k events")
    return int(round(value))


def label(n: int) -> str:
    """A short name for a size: 20000 -> 20k, 1000000 -> 1M, 1500000 -> 1.5M."""
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if n >= size:
            value = n / size
            return (f"{value:.0f}" if value == int(value) else f"{value:.3g}") + unit
    return str(n)


def default_months(n: int) -> int:
    return 12 if n >= 1_000_000 else 6 if n >= 100_000 else 3


# ---------------------------------------------------------------------------------------------
# Small helpers


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def mib(kib: int | None) -> float | None:
    return None if kib is None else round(kib / 1024, 1)


def tail_text(text: str, lines: int = 15) -> str:
    return "\n".join(text.splitlines()[-lines:])


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def meminfo() -> dict[str, int]:
    out = {}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            key, value = line.split(":", 1)
            if key in ("MemTotal", "MemAvailable"):
                out[key] = int(value.split()[0])  # KiB
    except OSError:
        pass
    return out


def cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def package_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def git_state() -> dict[str, Any]:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True)
        status = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}


def auditor_command(explicit: str | None) -> list[str]:
    """The auditor CLI of this interpreter's environment (or --auditor)."""
    if explicit:
        return [explicit]
    beside = Path(sys.executable).parent / "auditor"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("auditor")
    return [found] if found else [sys.executable, "-m", "auditor.cli"]


# ---------------------------------------------------------------------------------------------
# The benchmark


def forked(fn: Any, *args: Any) -> None:
    """Run fn(*args) in a forked child and wait for it. Heavy DuckDB work of the benchmark itself
    (typed copies, month split, busy month) runs so: Linux starts a forked child's peak RSS at its
    parent's RSS, so memory this process kept would count in every later step's peak RSS."""
    import multiprocessing

    child = multiprocessing.get_context("fork").Process(target=fn, args=args)
    child.start()
    child.join()
    if child.exitcode != 0:
        raise Failed(f"{getattr(fn, '__name__', fn)} failed in its child process (exit {child.exitcode})")


def proc_usage(root: int) -> dict[int, tuple[float, int]]:
    """CPU seconds and peak RSS (KiB) of every live descendant of `root`, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        try:
            children = [int(c) for t in Path(f"/proc/{pid}/task").iterdir()
                        for c in (t / "children").read_text().split()]
            if pid != root:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                hwm = re.search(r"VmHWM:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
                found[pid] = ((int(fields[11]) + int(fields[12])) / tick, int(hwm.group(1)) if hwm else 0)
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        todo += children
    return found


def remove_db(db: Path) -> None:
    """Delete a DuckDB database file and its write-ahead log, so a step starts from nothing."""
    for path in (db, db.with_name(db.name + ".wal")):
        path.unlink(missing_ok=True)


def copy_db(source: Path, target: Path) -> None:
    """Copy a DuckDB database with its write-ahead log; a log left beside the target is removed
    first, so DuckDB never replays it on the new copy."""
    remove_db(target)
    shutil.copyfile(source, target)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))


class Failed(Exception):
    """A step the others depend on failed."""


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.n = args.events
        self.label = label(args.events)
        self.months = args.months or default_months(args.events)
        self.users = max(10, round(args.events / (self.months * EVENTS_PER_USER_MONTH)))
        self.chunks = max(1, math.ceil(args.events / args.chunk_events))
        self.users_per_chunk = math.ceil(self.users / self.chunks)
        self.users = self.users_per_chunk * self.chunks
        self.formats = [f for f in FORMATS if f in args.formats]
        self.workdir = args.workdir.resolve()
        chunked = f"-c{self.chunks}" if self.chunks > 1 else ""
        self.data = self.workdir / "data" / f"{self.label}-m{self.months}-seed{args.seed}{chunked}"
        self.run_dir = self.workdir / f"run-{self.label}"
        self.db_dir = self.run_dir / "db"
        self.tmp_dir = self.run_dir / "tmp"
        self.logs = self.run_dir / "logs"
        self.config = self.run_dir / "auditor.toml"
        self.auditor = auditor_command(args.auditor)
        self.steps: dict[str, dict[str, Any]] = {}
        self.generation: dict[str, Any] = {}
        self.child: subprocess.Popen | None = None

    # -- setup ---------------------------------------------------------------------------------

    def prepare(self) -> None:
        if self.run_dir.exists():
            shutil.rmtree(self.run_dir)
        for d in (self.db_dir, self.tmp_dir, self.logs):
            d.mkdir(parents=True)
        lines = ["# written by benchmarks/run.py", "[duckdb]", f"threads = {self.args.threads}"]
        if self.args.memory_limit:
            lines.append(f"memory_limit = {json.dumps(self.args.memory_limit)}")
        self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def auditor_cli(self, *argv: str) -> list[str]:
        return [*self.auditor, "--config", str(self.config), *argv]

    def cleanup_spill(self) -> None:
        """DuckDB's spill folders: <db>.tmp next to each database, and the floor's temp dirs."""
        for d in self.db_dir.glob("*.tmp"):
            shutil.rmtree(d, ignore_errors=True)
        for d in self.tmp_dir.iterdir() if self.tmp_dir.exists() else ():
            if d.is_dir():
                shutil.rmtree(d, ignore_errors=True)
            else:
                d.unlink(missing_ok=True)

    def finish(self) -> None:
        if self.child and self.child.returncode is None:
            self.child.kill()
            self.child.wait()
        self.cleanup_spill()
        shutil.rmtree(self.tmp_dir, ignore_errors=True)
        if not self.args.keep_db:
            shutil.rmtree(self.db_dir, ignore_errors=True)

    # -- data ----------------------------------------------------------------------------------

    def generate(self) -> None:
        """Write (or reuse) the logs in each format; chunks of <= --chunk-events as folders."""
        for fmt in self.formats:
            target = self.data / fmt
            marker = self.data / f".complete-{fmt}.json"
            params = {"users": self.users, "months": self.months, "start": START, "seed": self.args.seed,
                      "chunks": self.chunks, "format": fmt}
            if marker.exists():
                done = json.loads(marker.read_text())
                if done.get("params") == params and target.is_dir():
                    self.generation[fmt] = {**done, "reused": True}
                    print(f"reusing {fmt} data in {target}", flush=True)
                    continue
            marker.unlink(missing_ok=True)
            shutil.rmtree(target, ignore_errors=True)
            if fmt == "parquet-typed":
                self.generation[fmt] = self.typed_copy(target, marker, params)
                continue
            shutil.rmtree(self.data / f"keys-{fmt}", ignore_errors=True)
            target.mkdir(parents=True)
            counts = dict.fromkeys(LOGS, 0)
            runs = []
            for i in range(self.chunks):
                seed = self.args.seed + i
                out = self.data / f"tmp-{fmt}-{i}"
                shutil.rmtree(out, ignore_errors=True)
                what = f"{fmt} chunk {i + 1}/{self.chunks}" if self.chunks > 1 else fmt
                print(f"generating {what}: auditor sample --users {self.users_per_chunk} --months {self.months} "
                      f"--seed {seed} ...", flush=True)
                run = self.spawn([*self.auditor, "sample", "--out", str(out), "--users", str(self.users_per_chunk),
                                  "--months", str(self.months), "--start", START, "--seed", str(seed),
                                  "--format", fmt], f"generate-{fmt}-{i}")
                runs.append(run)
                if run["exit_code"] != 0:
                    raise Failed(f"auditor sample failed (exit {run['exit_code']}):\n{run['stderr_tail']}")
                keys = self.data / f"keys-{fmt}" / (f"chunk-{i:03d}" if self.chunks > 1 else "")
                keys.mkdir(parents=True, exist_ok=True)
                for f in out.glob("expected_*.csv"):  # the answer keys are no input of `load`
                    f.replace(keys / f.name)
                for log in LOGS:
                    src = out / f"{log}.{EXT[fmt]}"
                    if self.chunks > 1:
                        (target / log).mkdir(exist_ok=True)
                        src.replace(target / log / f"part-{i:03d}.{EXT[fmt]}")
                    else:
                        src.replace(target / src.name)
                for line in (self.logs / f"generate-{fmt}-{i}.out").read_text().splitlines():
                    if m := re.fullmatch(r"(\w+): ([\d,]+) rows", line.strip()):
                        counts[m.group(1)] += int(m.group(2).replace(",", ""))
                shutil.rmtree(out, ignore_errors=True)
            done = {"params": params, "counts": counts,
                    "seconds": round(sum(r["seconds"] for r in runs), 3),
                    "peak_rss_kib": max(r["peak_rss_kib"] for r in runs),
                    "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
            marker.write_text(json.dumps(done, indent=1) + "\n")
            self.generation[fmt] = {**done, "reused": False}

    def typed_copy(self, target: Path, marker: Path, params: dict[str, Any]) -> dict[str, Any]:
        """The Parquet logs with their timestamp and integer columns typed (TYPED_KINDS), written
        by a forked child (see `forked`)."""
        print(f"writing typed Parquet to {target} ...", flush=True)
        start = time.perf_counter()
        forked(self._write_typed, target)
        done = {"params": params, "counts": self.generation["parquet"]["counts"], "from": "parquet",
                "seconds": round(time.perf_counter() - start, 3),
                "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        marker.write_text(json.dumps(done, indent=1) + "\n")
        return {**done, "reused": False}

    def _write_typed(self, target: Path) -> None:
        import duckdb

        from auditor.schema import LOGS_BY_NAME

        con = duckdb.connect(config={"threads": self.args.threads})
        con.execute("SET enable_progress_bar = false")
        for log in LOGS:
            for source in self.files("parquet", log):
                out = target / Path(source).relative_to(self.data / "parquet")
                out.parent.mkdir(parents=True, exist_ok=True)
                names = {name for (name, *_) in con.execute("DESCRIBE SELECT * FROM read_parquet($f)", {"f": source}).fetchall()}
                typed = ", ".join(f'TRY_CAST("{c.name}" AS {TYPED_KINDS[c.kind]}) AS "{c.name}"'
                                  for c in LOGS_BY_NAME[log].columns if c.kind in TYPED_KINDS and c.name in names)
                replace = f" REPLACE ({typed})" if typed else ""
                con.execute(f"COPY (SELECT *{replace} FROM read_parquet($f)) TO '{out}' (FORMAT parquet)", {"f": source})
        con.close()

    def files(self, fmt: str, log: str = "access_events") -> list[str]:
        folder = self.data / fmt
        single = folder / f"{log}.{EXT[fmt]}"
        if single.exists():
            return [str(single)]
        return [str(p) for p in sorted((folder / log).glob(f"*.{EXT[fmt]}"))]

    @property
    def events(self) -> int:
        return self.generation["parquet"]["counts"]["access_events"]

    # -- running and measuring -----------------------------------------------------------------

    def spawn(self, argv: list[str], name: str, env: dict[str, str] | None = None,
              descendants: bool = False) -> dict[str, Any]:
        """Run one child to completion: wall time, and its own rusage from os.wait4. With
        `descendants`, the CPU time and peak RSS of the processes it starts and does not wait
        for (Spark's JVM) are added, sampled from /proc every 0.2 s."""
        out, err = self.logs / f"{name}.out", self.logs / f"{name}.err"
        seen: dict[int, tuple[float, int]] = {}  # descendant pid -> (cpu seconds, peak RSS KiB) last read
        with out.open("wb") as fo, err.open("wb") as fe:
            start = time.perf_counter()
            self.child = subprocess.Popen(argv, stdout=fo, stderr=fe, cwd=self.run_dir,
                                          env={**os.environ, **(env or {})})
            while True:
                pid, status, usage = os.wait4(self.child.pid, os.WNOHANG if descendants else 0)
                if pid:
                    break
                seen.update(proc_usage(self.child.pid))
                time.sleep(0.2)
            seconds = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        self.child.returncode = code  # reaped by wait4; tell Popen
        self.child = None
        return {
            "seconds": round(seconds, 3),
            "peak_rss_kib": usage.ru_maxrss + sum(rss for _, rss in seen.values()),  # KiB on Linux
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime + sum(cpu for cpu, _ in seen.values()), 3),
            "exit_code": code,
            "stderr_tail": tail(err) if code != 0 else "",
            "stdout": str(out),
        }

    def measure(self, key: str, title: str, argv: list[str], *, prepare: Any = None,
                env: dict[str, str] | None = None, ok_codes: tuple[int, ...] = (0,), note: str | None = None,
                descendants: bool = False) -> dict:
        """Median wall time of --repeat runs of argv, each a fresh process; peak RSS over the runs."""
        print(f"  {title} ...", end="", flush=True)
        runs = []
        for i in range(self.args.repeat):
            if prepare:
                prepare()
            run = self.spawn(argv, f"{key}.{i + 1}", env, descendants)
            self.cleanup_spill()
            runs.append(run)
            if run["exit_code"] not in ok_codes:
                break
        ok = all(r["exit_code"] in ok_codes for r in runs)
        seconds = median([r["seconds"] for r in runs]) if ok else None
        step = {
            "title": title,
            "status": "ok" if ok else "failed",
            "command": argv,
            "seconds": seconds,
            "rows_per_s": round(self.events / seconds) if seconds else None,
            "peak_rss_kib": max(r["peak_rss_kib"] for r in runs) if ok else None,
            "peak_rss_mib": mib(max(r["peak_rss_kib"] for r in runs)) if ok else None,
            "cpu_seconds": median([r["cpu_seconds"] for r in runs]) if ok else None,
            "runs": [{k: v for k, v in r.items() if k != "stderr_tail"} for r in runs],
            "note": note,
        }
        if not ok:
            step["error"] = runs[-1]["stderr_tail"] or f"exit code {runs[-1]['exit_code']}"
        self.steps[key] = step
        print(f" {seconds:.2f} s" if ok else f" FAILED (exit {runs[-1]['exit_code']})", flush=True)
        if not ok:
            print(step["error"], file=sys.stderr)
        return step

    def skip(self, key: str, title: str, why: str) -> None:
        self.steps[key] = {"title": title, "status": "skipped", "note": why, "seconds": None,
                           "rows_per_s": None, "peak_rss_kib": None, "peak_rss_mib": None, "runs": []}
        print(f"  {title}: skipped ({why})", flush=True)

    def ok(self, key: str) -> bool:
        return self.steps.get(key, {}).get("status") == "ok"

    # -- the steps -----------------------------------------------------------------------------

    def floor(self) -> None:
        a = self.args
        limit = a.memory_limit or ""
        for fmt in self.formats:
            db = self.db_dir / f"floor-{fmt}.duckdb"

            self.measure(f"floor_load_{fmt}", f"floor load ({fmt})",
                         [sys.executable, "-c", LOAD, str(db), fmt, str(a.threads), limit,
                          str(self.tmp_dir / f"floor-{fmt}"), *self.files(fmt)], prepare=lambda db=db: remove_db(db))
            if fmt == "parquet":
                if self.ok("floor_load_parquet"):
                    self.measure("floor_scan", "floor scan (full scan of the loaded table)",
                                 [sys.executable, "-c", FLOOR_SCAN, str(db), str(a.threads), limit,
                                  str(self.tmp_dir / "floor-scan")])
                else:
                    self.skip("floor_scan", "floor scan", "floor load failed")
            remove_db(db)

    def bounds(self) -> None:
        a = self.args
        db = self.db_dir / "bound.duckdb"
        for kind, title in (("typed", "bound: typed, no validation (parquet)"),
                            ("check", "bound: validation in one pass (parquet)")):
            self.measure(f"bound_{kind}_parquet", title,
                         [sys.executable, "-c", LOAD, str(db), kind, str(a.threads), a.memory_limit or "",
                          str(self.tmp_dir / f"bound-{kind}"), *self.files("parquet")], prepare=lambda: remove_db(db))
        remove_db(db)

    def load(self) -> None:
        for fmt in self.formats:
            db = self.db_dir / f"{fmt}.duckdb"

            self.measure(f"load_{fmt}", f"auditor load ({fmt})",
                         self.auditor_cli("load", str(self.data / fmt), "--db", str(db)),
                         prepare=lambda db=db: remove_db(db))
            if fmt != "parquet":
                remove_db(db)  # only the Parquet-loaded database is used further

    # The column that dates a row of each event log, for splitting off the last month.
    DATED = {"admin_events": "occurred_at", "consent_events": "occurred_at", "access_events": "occurred_at",
             "dsr_requests": "received_at"}

    def month_split(self) -> tuple[Path, Path]:
        """The Parquet logs split into the months before the last (with the directory) and the
        last month (its events and requests only), under the run folder (by a forked child)."""
        before, after = self.run_dir / "months" / "before", self.run_dir / "months" / "last"
        forked(self._split_months, before, after)
        return before, after

    def _split_months(self, before: Path, after: Path) -> None:
        import duckdb

        year, month = divmod(int(START[:4]) * 12 + int(START[5:]) - 1 + self.months - 1, 12)
        last = f"{year:04d}-{month + 1:02d}"
        con = duckdb.connect(config={"threads": self.args.threads})
        con.execute("SET enable_progress_bar = false")
        for folder in (before, after):
            folder.mkdir(parents=True, exist_ok=True)
        for log in LOGS:
            files = self.files("parquet", log)
            column = self.DATED.get(log)
            late = f'coalesce("{column}" >= $last, false)' if column else "false"
            for folder, where in ((before, f"NOT {late}"), (after, late)):
                if folder == after and not column:
                    continue
                con.execute(f"COPY (SELECT * FROM read_parquet($files) WHERE {where}) TO '{folder / log}.parquet' "
                            "(FORMAT parquet)", {"files": files, **({"last": last} if column else {})})
        con.close()

    def load_month(self) -> None:
        """The last month of the data loaded into an empty database, and appended to a copy of
        a database holding the months before it (made once, not measured)."""
        before, last = self.month_split()
        base, db = self.db_dir / "months-base.duckdb", self.db_dir / "month.duckdb"
        run = self.spawn(self.auditor_cli("load", str(before), "--db", str(base)), "load-months-before")
        if run["exit_code"] != 0:
            raise Failed(f"loading the months before the last failed:\n{run['stderr_tail']}")
        self.measure("load_month_fresh", "auditor load, last month into an empty db",
                     self.auditor_cli("load", str(last), "--db", str(db)), prepare=lambda: remove_db(db))
        self.measure("load_month_append", "auditor load, last month appended",
                     self.auditor_cli("load", str(last), "--db", str(db)), prepare=lambda: copy_db(base, db))
        for path in (base, db):
            remove_db(path)
        shutil.rmtree(self.run_dir / "months", ignore_errors=True)

    def check(self) -> None:
        # Exit 3 (evidence incomplete) is a result, not a failure: five controls of fifteen can
        # never be complete evidence, and generated logs may hold gaps.
        db = str(self.db_dir / "parquet.duckdb")
        self.measure("check", "auditor check (all controls)",
                     self.auditor_cli("check", "--db", db, "--fail-on", "never", "--format", "json",
                                      "--output", str(self.logs / "check.json")), ok_codes=(0, 3))
        self.measure("check_period", f"auditor check --period {self.period}",
                     self.auditor_cli("check", "--db", db, "--period", self.period, "--fail-on", "never", "--format",
                                      "json", "--output", str(self.logs / "check-period.json")), ok_codes=(0, 3))
        if "check-5" in self.args.skip:
            self.skip("check_5", "auditor check (the five controls)", "--skip check-5")
            return
        controls = [x for c in FIVE_CONTROLS for x in ("--control", c)]
        self.measure("check_5", "auditor check (the five controls)",
                     self.auditor_cli("check", "--db", db, *controls, "--fail-on", "never", "--format", "json",
                                      "--output", str(self.logs / "check-5.json")), ok_codes=(0, 3))

    def report(self, busy: bool = False) -> None:
        """On a copy of the loaded database per run, so every run finds no check run of the period
        and does the same work (check of the period, HTML, PDF, CSV). `busy`: of a copy in which
        the month has many findings (BUSY_MONTH)."""
        key = "report_busy" if busy else "report"
        source = self.busy_copy() if busy else self.db_dir / "parquet.duckdb"
        db, out = self.db_dir / f"{key}.duckdb", self.run_dir / key

        def fresh() -> None:
            copy_db(source, db)
            shutil.rmtree(out, ignore_errors=True)

        title = f"auditor report --period {self.period}" + (", busy" if busy else "")
        step = self.measure(key, title, self.auditor_cli("report", "--db", str(db), "--period", self.period,
                                                         "--format", "html,pdf", "--out", str(out)), prepare=fresh)
        if step["status"] == "ok":
            with (out / f"findings-{self.period}.csv").open(newline="", encoding="utf-8") as fh:
                step["findings"] = sum(1 for _ in csv.DictReader(fh))
            step["note"] = f"{step['findings']:,} findings in the month"
            html = out / f"report-{self.period}.html"
            step["html_bytes"] = html.stat().st_size
            step["interactive"] = self.interactive(html, key)
        remove_db(db)
        if busy:
            remove_db(source)

    def interactive(self, html: Path, key: str) -> dict[str, Any]:
        """The page's time to interactive in Chromium (benchmarks/interactive.py, its own process:
        it imports Playwright, which nothing else here needs)."""
        if "interactive" in self.args.skip:
            return {"status": "skipped", "note": "--skip interactive"}
        print(f"  {key}: time to interactive in Chromium ...", end="", flush=True)
        try:
            done = subprocess.run([sys.executable, str(HERE / "interactive.py"), str(html), "--repeat",
                                   str(self.args.repeat)], capture_output=True, text=True, timeout=600)
            result = json.loads(done.stdout.strip().splitlines()[-1])
        except subprocess.TimeoutExpired:
            result = {"status": "failed", "error": "no answer within 600 s"}
        except (IndexError, json.JSONDecodeError):
            result = {"status": "failed", "error": tail_text(done.stderr) or f"exit code {done.returncode}"}
        print(f" {result['seconds']:.2f} s" if result["status"] == "ok" else f" {result['status'].upper()}", flush=True)
        return result

    @property
    def period(self) -> str:
        """The last full month of the data (the last one ends on its 28th)."""
        year, month = (int(x) for x in START.split("-"))
        index = year * 12 + month - 1 + self.months - 2
        return f"{index // 12:04d}-{index % 12 + 1:02d}"

    def busy_copy(self) -> Path:
        """A copy of the loaded database in which the report's month is busy (BUSY_MONTH), made
        by a forked child (see `forked`)."""
        busy = self.db_dir / "busy-source.duckdb"
        copy_db(self.db_dir / "parquet.duckdb", busy)
        forked(self._make_busy, busy)
        return busy

    def _make_busy(self, busy: Path) -> None:
        from auditor.db import run  # binds only the parameters a statement uses
        from auditor.resources import sql

        start = dt.datetime.strptime(self.period, "%Y-%m").replace(tzinfo=dt.timezone.utc)
        end = (start + dt.timedelta(days=32)).replace(day=1)
        con = self.connect(busy)
        try:
            con.execute("SET TimeZone = 'UTC'")
            for statement in BUSY_MONTH:
                run(con, statement, {"start": start, "end": end})
            # The ids changed in place are versions no load saw: access_versions is made again,
            # as for a database made before it.
            con.execute("DELETE FROM access_versions")
            con.execute(sql("load/all_versions").format(versions=sql("db/versions_from_rows")))
        finally:
            con.close()

    def connect(self, db: Path, read_only: bool = False) -> Any:
        """DuckDB on a benchmark database, with the run's threads and memory limit."""
        import duckdb

        config: dict[str, Any] = {"threads": self.args.threads}
        if self.args.memory_limit:
            config["memory_limit"] = self.args.memory_limit
        return duckdb.connect(str(db), read_only=read_only, config=config)

    def subject_user(self) -> str:
        con = self.connect(self.db_dir / "parquet.duckdb", read_only=True)
        try:
            return con.execute("SELECT user_id FROM access_events GROUP BY user_id "
                               "ORDER BY count(*) DESC, user_id LIMIT 1").fetchone()[0]
        finally:
            con.close()

    def subject(self) -> None:
        title = "auditor subject"
        probe = subprocess.run([*self.auditor, "subject", "--help"], capture_output=True, cwd=self.run_dir)
        if probe.returncode != 0:
            self.skip("subject", title, "this auditor has no `subject` command")
            return
        user = self.subject_user()
        self.measure("subject", f"{title} (busiest user)",
                     self.auditor_cli("subject", user, "--db", str(self.db_dir / "parquet.duckdb"),
                                      "--out", str(self.run_dir / "subject")),
                     note=f"user {user}, the one with the most access events; formats html,pdf,json")

    def pandas(self) -> None:
        title = "pandas way (the five controls)"
        if "pandas" in self.args.skip:
            self.skip("pandas", title, "--skip pandas")
        elif self.args.pandas_max_events and self.events > self.args.pandas_max_events:
            self.skip("pandas", title, f"{self.events:,} events > --pandas-max-events {self.args.pandas_max_events:,}")
        else:
            self.measure("pandas", title,
                         [sys.executable, str(HERE / "pandas_way.py"), str(self.data / "parquet"),
                          "--output", str(self.logs / "pandas.json")],
                         env={"OMP_NUM_THREADS": str(self.args.threads)},
                         note=f"Arrow's thread pool limited to {self.args.threads} (OMP_NUM_THREADS)")

    def spark(self) -> None:
        """`auditor export --parquet` of the loaded database, then `auditor check --engine spark`
        on that lake (local[--threads]); its findings are compared with `auditor check`'s."""
        title = "auditor check --engine spark (lake, local mode)"
        why = ("--skip spark" if "spark" in self.args.skip
               else "auditor check did not run" if not self.ok("check")
               else f"{self.events:,} events > --spark-max-events {self.args.spark_max_events:,}"
               if self.events > self.args.spark_max_events
               else "no java (apt-get install openjdk-17-jre-headless)" if shutil.which("java") is None
               else "no PySpark (pip install 'auditor[spark]')" if package_version("pyspark") is None else None)
        if why:
            self.skip("export_parquet", "auditor export --parquet", why)
            self.skip("check_spark", title, why)
            return
        db, lake, runs = self.db_dir / "parquet.duckdb", self.db_dir / "lake", self.db_dir / "spark-runs.duckdb"
        self.measure("export_parquet", "auditor export --parquet",
                     self.auditor_cli("export", "--db", str(db), "--parquet", str(lake)),
                     prepare=lambda: shutil.rmtree(lake, ignore_errors=True))
        if not self.ok("export_parquet"):
            self.skip("check_spark", title, "auditor export failed")
            return
        with self.config.open("a", encoding="utf-8") as fh:
            fh.write(f'\n[spark]\nmaster = "local[{self.args.threads}]"\n'
                     f'conf = {{"spark.sql.shuffle.partitions" = "{2 * self.args.threads}", "spark.driver.memory" = "4g"}}\n')
        self.measure("check_spark", title,
                     self.auditor_cli("check", "--engine", "spark", "--lake", str(lake), "--db", str(runs),
                                      "--fail-on", "never", "--format", "json", "--output", str(self.logs / "check-spark.json")),
                     prepare=lambda: remove_db(runs), ok_codes=(0, 3), descendants=True,
                     note="wall time includes starting the JVM and Spark; cpu_seconds and peak RSS add the JVM's "
                          "(sampled from /proc every 0.2 s: the driver does not wait for it)")
        shutil.rmtree(lake, ignore_errors=True)

    # -- results -------------------------------------------------------------------------------

    def spark_compare(self) -> dict[str, Any]:
        """`check --engine spark` must give `auditor check`'s verdict, statuses and findings row
        for row (control, source, event id, user, occurred_at, arose_at, reason)."""
        if not (self.ok("check") and self.ok("check_spark")):
            return {"held": None, "note": "not compared: auditor check or check --engine spark did not run"}
        keys = ("control", "source", "event_id", "user_id", "occurred_at", "arose_at", "reason")
        runs = [json.loads((self.logs / name).read_text()) for name in ("check.json", "check-spark.json")]
        duck, spark = ({tuple(f.get(k) for k in keys) for f in r["findings"]} for r in runs)
        statuses = [{c["id"]: c["status"] for c in r["controls"]} for r in runs]
        return {
            "held": duck == spark and runs[0]["verdict"] == runs[1]["verdict"] and statuses[0] == statuses[1],
            "findings": len(duck),
            "verdict": {"duckdb": runs[0]["verdict"], "spark": runs[1]["verdict"]},
            "statuses_agree": statuses[0] == statuses[1],
            "only_duckdb": sorted(map(str, duck - spark))[:20],
            "only_spark": sorted(map(str, spark - duck))[:20],
        }

    def compare(self) -> dict[str, Any]:
        """The pandas way must find exactly what auditor check finds for the five controls."""
        if not (self.ok("check") and self.ok("pandas")):
            return {"held": None, "note": "not compared: auditor check or the pandas way did not run"}
        full = json.loads((self.logs / "check.json").read_text())
        ours = {(f["control"], f["event_id"]) for f in full["findings"] if f["control"] in FIVE_CONTROLS}
        pandas_out = json.loads((self.logs / "pandas.json").read_text())
        theirs = {tuple(p) for p in pandas_out["findings"]}
        result: dict[str, Any] = {
            "held": ours == theirs and full["as_of"] == pandas_out["as_of"],
            "findings": len(ours),
            "by_control": {c: sum(1 for x, _ in ours if x == c) for c in FIVE_CONTROLS},
            "as_of": {"auditor": full["as_of"], "pandas": pandas_out["as_of"]},
            "only_auditor": sorted(ours - theirs)[:50],
            "only_pandas": sorted(theirs - ours)[:50],
        }
        if self.ok("check_5"):
            five = json.loads((self.logs / "check-5.json").read_text())
            only5 = {(f["control"], f["event_id"]) for f in five["findings"]}
            result["check_5_agrees"] = only5 == ours
            result["held"] = result["held"] and only5 == ours
        return result

    def targets(self) -> list[dict[str, Any]]:
        s = self.steps

        def secs(key: str) -> float | None:
            return s.get(key, {}).get("seconds")

        def rss(key: str) -> int | None:
            return s.get(key, {}).get("peak_rss_kib")

        def at_most(value: float | None, limit: float) -> bool | None:
            return None if value is None else value <= limit

        def at_least(value: float | None, limit: float) -> bool | None:
            return None if value is None else value >= limit

        out = []
        for fmt in self.formats:
            limit = 1.3 if fmt == "parquet-typed" else 1.5
            r = ratio(secs(f"load_{fmt}"), secs(f"floor_load_{fmt}"))
            out.append({"id": f"load_{fmt}_vs_floor", "target": f"auditor load ({fmt}) <= {limit} x floor load ({fmt})",
                        "value": r, "limit": limit, "pass": at_most(r, limit)})
            r = ratio(rss(f"load_{fmt}"), rss(f"floor_load_{fmt}"))
            out.append({"id": f"load_{fmt}_rss_vs_floor",
                        "target": f"auditor load ({fmt}) peak RSS <= 1.5 x floor load's ({fmt})",
                        "value": r, "limit": 1.5, "pass": at_most(r, 1.5)})
        r = ratio(secs("load_month_append"), secs("load_month_fresh"))
        out.append({"id": "append_month_vs_fresh",
                    "target": "a month appended to the months before it <= 1.2 x the month into an empty database",
                    "value": r, "limit": 1.2, "pass": at_most(r, 1.2)})
        r = ratio(secs("check"), secs("floor_load_parquet"))
        out.append({"id": "check_vs_floor", "target": "auditor check (all controls) <= 1.5 x floor load (parquet)",
                    "value": r, "limit": 1.5, "pass": at_most(r, 1.5)})
        r = ratio(secs("pandas"), secs("check_5"))
        out.append({"id": "pandas_time_vs_auditor",
                    "target": "pandas way time >= 3 x auditor check --control (the five controls)",
                    "value": r, "limit": 3, "pass": at_least(r, 3)})
        r = ratio(rss("pandas"), rss("check_5"))
        out.append({"id": "pandas_rss_vs_auditor",
                    "target": "pandas way peak RSS >= 3 x auditor check --control (the five controls)",
                    "value": r, "limit": 3, "pass": at_least(r, 3)})
        def cpu(key: str) -> float | None:
            return s.get(key, {}).get("cpu_seconds")

        for key, what in (("check_period", f"auditor check --period {self.period}"),
                          ("report", f"auditor report --period {self.period}")):
            r = ratio(cpu(key), cpu("check"))
            out.append({"id": f"{key}_cpu_vs_check", "target": f"{what} <= 0.25 x auditor check (whole history) in CPU-s",
                        "value": r, "limit": 0.25, "pass": at_most(r, 0.25)})
        month_limit = 15 if self.n >= 100_000_000 else 5  # a month's report; at 100M with 2 GB
        out.append({"id": "report_seconds", "target": f"auditor report (html, pdf) <= {month_limit} s",
                    "value": secs("report"), "limit": month_limit, "pass": at_most(secs("report"), month_limit)})
        out.append({"id": "report_busy_seconds", "target": "auditor report of a busy month (html, pdf) <= 15 s",
                    "value": secs("report_busy"), "limit": 15, "pass": at_most(secs("report_busy"), 15)})
        busy = s.get("report_busy", {}).get("interactive", {})
        tti = busy.get("seconds") if busy.get("status") == "ok" else None
        out.append({"id": "report_busy_interactive_seconds",
                    "target": "the busy month's HTML report interactive in Chromium <= 3 s",
                    "value": tti, "limit": 3, "pass": at_most(tti, 3),
                    "note": None if tti is not None else busy.get("note") or busy.get("error")})
        out.append({"id": "subject_seconds", "target": "auditor subject <= 2 s",
                    "value": secs("subject"), "limit": 2, "pass": at_most(secs("subject"), 2)})
        applies = self.n >= 100_000_000 and re.sub(r"\s", "", (self.args.memory_limit or "")).upper() == "2GB"
        completed = all(self.ok(f"load_{fmt}") for fmt in self.formats) and self.ok("check")
        out.append({"id": "100M_in_2GB", "target": "at 100M events with memory_limit 2GB: load and check complete",
                    "value": completed if applies else None, "limit": None,
                    "pass": completed if applies else None,
                    "note": None if applies else "applies to --events 100M (or more) --memory-limit 2GB only"})
        return out

    def ratios(self) -> dict[str, float | None]:
        s = self.steps

        def secs(key: str) -> float | None:
            return s.get(key, {}).get("seconds")

        return {
            "load_parquet_vs_floor_load_parquet": ratio(secs("load_parquet"), secs("floor_load_parquet")),
            "load_csv_vs_floor_load_csv": ratio(secs("load_csv"), secs("floor_load_csv")),
            "load_parquet-typed_vs_floor_load_parquet-typed": ratio(secs("load_parquet-typed"),
                                                                    secs("floor_load_parquet-typed")),
            "load_month_append_vs_load_month_fresh": ratio(secs("load_month_append"), secs("load_month_fresh")),
            "check_vs_floor_load_parquet": ratio(secs("check"), secs("floor_load_parquet")),
            "bound_typed_vs_floor_load_parquet": ratio(secs("bound_typed_parquet"), secs("floor_load_parquet")),
            "bound_check_vs_floor_load_parquet": ratio(secs("bound_check_parquet"), secs("floor_load_parquet")),
            "pandas_vs_check_5": ratio(secs("pandas"), secs("check_5")),
            "pandas_rss_vs_check_5_rss": ratio(s.get("pandas", {}).get("peak_rss_kib"),
                                               s.get("check_5", {}).get("peak_rss_kib")),
        }

    def loaded_rows(self) -> dict[str, Any] | None:
        """What auditor load kept of the Parquet files (rows read, loaded, rejected, duplicates)."""
        if not self.ok("load_parquet") or not (self.db_dir / "parquet.duckdb").exists():
            return None
        con = self.connect(self.db_dir / "parquet.duckdb", read_only=True)
        try:
            rows = con.execute("SELECT log, sum(rows_read), sum(rows_loaded), sum(rows_rejected), sum(duplicates) "
                               "FROM loaded_files GROUP BY log ORDER BY log").fetchall()
        finally:
            con.close()
        return {log: {"read": r, "loaded": lo, "rejected": rej, "duplicates": d} for log, r, lo, rej, d in rows}

    def result(self, started: str, load_start: tuple[float, ...]) -> dict[str, Any]:
        mem = meminfo()
        return {
            "benchmark": "auditor issue #7",
            "date": dt.date.today().isoformat(),
            "started": started,
            "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "events_requested": self.n,
            "events": self.events,  # access_events rows in the files (malformed rows included)
            "data": {
                "folder": str(self.data), "users": self.users, "months": self.months, "start": START,
                "seed": self.args.seed, "chunks": self.chunks,
                "counts": self.generation.get("parquet", {}).get("counts"),
                "generation": {fmt: {k: g.get(k) for k in ("seconds", "peak_rss_kib", "reused", "created")}
                               for fmt, g in self.generation.items()},
                "loaded": self.loaded_rows(),
            },
            "settings": {"repeat": self.args.repeat, "threads": self.args.threads,
                         "memory_limit": self.args.memory_limit or None, "formats": self.formats,
                         "skip": sorted(self.args.skip), "report_period": self.period},
            "machine": {
                "nproc": os.cpu_count(),
                "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
                "cpu": cpu_model(),
                "memory_total_kib": mem.get("MemTotal"),
                "memory_available_kib_at_end": mem.get("MemAvailable"),
                "loadavg_at_start": [round(x, 2) for x in load_start],
                "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
                "platform": platform.platform(),
            },
            "versions": {
                "auditor": self.auditor_version(),
                "duckdb": package_version("duckdb"),
                "pandas": package_version("pandas"),
                "pyarrow": package_version("pyarrow"),
                "numpy": package_version("numpy"),
                "python": platform.python_version(),
            },
            "git": git_state(),
            "steps": self.steps,
            "ratios": self.ratios(),
            "pandas_matches_auditor": self.compare(),
            "spark_matches_duckdb": self.spark_compare(),
            "targets": self.targets(),
        }

    def auditor_version(self) -> str | None:
        out = subprocess.run([*self.auditor, "--version"], capture_output=True, text=True)
        m = re.search(r"version\s+(\S+)", out.stdout)
        return m.group(1) if m else None


def print_table(res: dict[str, Any]) -> None:
    s = res["settings"]
    print()
    print(f"auditor benchmark, {res['events']:,} access events ({label(res['events_requested'])} requested; "
          f"{res['data']['users']:,} users x {res['data']['months']} months, {res['data']['chunks']} chunk(s)); "
          f"threads {s['threads']}, memory_limit {s['memory_limit'] or 'default'}, median of {s['repeat']}")
    print(f"{'step':44} {'seconds':>9} {'rows/s':>12} {'peak RSS':>11} {'cpu s':>8}")
    for step in res["steps"].values():
        if step["status"] != "ok":
            why = step.get("note") or (step.get("error") or "").strip().splitlines()[-1:] or [""]
            print(f"{step['title']:44} {step['status'].upper():>9}  {why if isinstance(why, str) else why[0]}")
            continue
        rss = f"{step['peak_rss_mib']:,.0f} MiB"
        print(f"{step['title']:44} {step['seconds']:9.2f} {step['rows_per_s']:12,} {rss:>11} "
              f"{step['cpu_seconds']:8.2f}")
    for key in ("report", "report_busy"):
        step = res["steps"].get(key, {})
        if "html_bytes" in step:
            tti = step.get("interactive", {})
            when = (f"interactive in Chromium in {tti['seconds']:.2f} s (median)" if tti.get("status") == "ok"
                    else f"time to interactive {tti.get('status', 'not measured')}")
            print(f"{step['title']}: HTML {step['html_bytes'] / 1e6:.1f} MB, {step['findings']:,} findings, {when}")
    print()
    print(f"{'target':80} {'value':>8}  result")
    for t in res["targets"]:
        value = t["value"]
        value = "-" if value is None else str(value) if isinstance(value, bool) else f"{value:.2f}"
        verdict = {True: "pass", False: "FAIL", None: "n/a"}[t["pass"]]
        print(f"{t['target']:80} {value:>8}  {verdict}")
    cmp = res["pandas_matches_auditor"]
    print()
    if cmp["held"] is None:
        print(f"pandas way vs auditor check: {cmp['note']}")
    else:
        print(f"pandas way vs auditor check, five controls: {'same' if cmp['held'] else 'DIFFERENT'} "
              f"({cmp['findings']:,} findings; as_of {cmp['as_of']['auditor']})")


def result_path(folder: Path, name: str) -> Path:
    path = folder / f"{name}.json"
    n = 2
    while path.exists():
        path = folder / f"{name}-{n}.json"
        n += 1
    return path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Benchmark auditor against the DuckDB floor and the pandas way (benchmarks/README.md).")
    p.add_argument("--events", type=parse_events, default=1_000_000,
                   help="access events to generate: 20k, 200k, 1M (default), 10M, 100M")
    p.add_argument("--repeat", type=int, default=3, help="runs per step; the median is reported (default 3)")
    p.add_argument("--threads", type=int, default=2, help="DuckDB threads (default 2)")
    p.add_argument("--memory-limit", default="", help="DuckDB memory_limit, e.g. 2GB (default: DuckDB's, 80%% of RAM)")
    p.add_argument("--workdir", type=Path, default=Path("/tmp/auditor-bench"),
                   help="generated data, databases and logs (default /tmp/auditor-bench); data is reused")
    p.add_argument("--results-dir", type=Path, default=HERE / "results",
                   help="where <date>-<N>.json goes (default benchmarks/results)")
    p.add_argument("--seed", type=int, default=7, help="auditor sample seed (chunk i uses seed + i)")
    p.add_argument("--months", type=int, default=0,
                   help="months of logs (default 12 from 1M events, 6 from 100k, else 3)")
    p.add_argument("--formats", default="parquet,csv",
                   help="input formats to generate and load: parquet,csv (default) or parquet, and "
                        "parquet-typed (the Parquet files with typed timestamps and integers)")
    p.add_argument("--chunk-events", type=parse_events, default=10_000_000,
                   help="generate at most this many events per `auditor sample` run (default 10M)")
    p.add_argument("--pandas-max-events", type=parse_events, default=20_000_000,
                   help="skip the pandas way above this many events (default 20M; it holds all in memory)")
    p.add_argument("--spark-max-events", type=parse_events, default=1_000_000,
                   help="run the Spark steps (export, check --engine spark, local[--threads]) up to this many events (default 1M)")
    p.add_argument("--skip", default="", help=f"comma-separated steps to skip: {', '.join(SKIPPABLE)}")
    p.add_argument("--auditor", help="the auditor executable (default: the one beside this Python)")
    p.add_argument("--keep-db", action="store_true", help="keep the databases in WORKDIR/run-N/db")
    args = p.parse_args(argv)
    args.formats = {f.strip() for f in args.formats.split(",") if f.strip()}
    if "parquet" not in args.formats or args.formats - set(FORMATS):
        p.error("--formats: parquet, with csv and parquet-typed if wanted")
    args.skip = {x.strip() for x in args.skip.split(",") if x.strip()}
    if args.skip - set(SKIPPABLE):
        p.error(f"--skip: choose from {', '.join(SKIPPABLE)}")
    if args.repeat < 1 or args.threads < 1:
        p.error("--repeat and --threads must be at least 1")
    if args.months and args.months < 3:
        p.error("--months: at least 3 (auditor sample needs them)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup on kill too
    bench = Bench(args)
    started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    load_start = os.getloadavg()
    print(f"workdir {bench.workdir}; {label(args.events)} events: {bench.users:,} users x {bench.months} months"
          f" in {bench.chunks} chunk(s); auditor: {' '.join(bench.auditor)}", flush=True)
    try:
        bench.prepare()
        bench.generate()
        print(f"measuring ({args.repeat} run(s) per step, {bench.events:,} access events):", flush=True)
        if "floor" in args.skip:
            for fmt in bench.formats:
                bench.skip(f"floor_load_{fmt}", f"floor load ({fmt})", "--skip floor")
            bench.skip("floor_scan", "floor scan", "--skip floor")
        else:
            bench.floor()
        if "bounds" in args.skip:
            for kind in ("typed", "check"):
                bench.skip(f"bound_{kind}_parquet", f"bound: {kind} (parquet)", "--skip bounds")
        else:
            bench.bounds()
        bench.load()
        if "month" in args.skip:
            for key in ("fresh", "append"):
                bench.skip(f"load_month_{key}", f"auditor load, last month ({key})", "--skip month")
        else:
            bench.load_month()
        if bench.ok("load_parquet"):
            bench.check()
            if "report" in args.skip:
                bench.skip("report", "auditor report", "--skip report")
                bench.skip("report_busy", "auditor report, busy month", "--skip report")
            else:
                bench.report()
                bench.report(busy=True)
            if "subject" in args.skip:
                bench.skip("subject", "auditor subject", "--skip subject")
            else:
                bench.subject()
        else:
            for key in ("check", "check_period", "check_5", "report", "report_busy", "subject"):
                bench.skip(key, f"auditor {key.replace('_5', ' (five controls)')}", "auditor load (parquet) failed")
        bench.pandas()
        bench.spark()
        result = bench.result(started, load_start)
    except Failed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        bench.finish()

    args.results_dir.mkdir(parents=True, exist_ok=True)
    path = result_path(args.results_dir, f"{result['date']}-{label(args.events)}")
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print_table(result)
    print(f"\nwrote {path}")

    code = 0
    failed = [k for k, v in result["steps"].items() if v["status"] == "failed"]
    if failed:
        print(f"\nfailed steps: {', '.join(failed)} (see {bench.logs})", file=sys.stderr)
        code = 1
    cmp = result["pandas_matches_auditor"]
    if cmp["held"] is False:
        print("\n" + "!" * 78 + "\nASSERTION FAILED: the pandas way and auditor check disagree on the five controls\n"
              f"  only auditor: {cmp['only_auditor'][:10]}\n  only pandas:  {cmp['only_pandas'][:10]}\n"
              f"  as_of: {cmp['as_of']}; check_5 agrees with check: {cmp.get('check_5_agrees')}\n" + "!" * 78,
              file=sys.stderr)
        code = 1
    if result["spark_matches_duckdb"]["held"] is False:
        print(f"\nASSERTION FAILED: check --engine spark and auditor check disagree: {result['spark_matches_duckdb']}",
              file=sys.stderr)
        code = 1
    return code


if __name__ == "__main__":
    sys.exit(main())
