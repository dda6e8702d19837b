"""`auditor check --engine spark`: the controls of queries/ run by Apache Spark over a Parquet lake.

No rule is written twice. The controls' SQL (DuckDB's dialect) and the shared views and macros
of queries/views.sql are translated to Spark SQL by sqlglot when the run starts, with the rules
sqlglot needs for what has no direct Spark form:
- DuckDB macros are expanded where they are called (their body, with the arguments in place);
- an ASOF join becomes an ordinary join on the spell [valid_from, next valid_from) of the right
  side (the next one by LEAD over the join's equality keys), which matches the one row ASOF picks;
- epoch(), to_days(), to_seconds(), len() of a list, an ordered list() and strftime() patterns
  get their exact Spark equivalents;
- `$name` parameters become Spark's named parameters `:name`, bound with `spark.sql(args=...)`.
The findings come back as Arrow and go through the same code as DuckDB's (waivers, the period,
statuses, the verdict); coverage is computed on the lake's tables by DuckDB (auditor.lake).

Importing this module imports sqlglot; pyspark is imported only when a session starts. Neither
is imported on the default `--engine duckdb` path.
"""

from __future__ import annotations

import os
import re
import shutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from auditor.check import ControlError
from auditor.config import Config
from auditor.controls import FINDING_COLUMNS, Control, strip_header
from auditor.db import run
from auditor.errors import AuditorError
from auditor.lake import PARTITIONED, TABLES, is_uri
from auditor.resources import sql as read_sql

NEXT = "__asof_next"  # the column an ASOF rewrite adds: the next valid_from of the same keys


class NoSparkForm(AuditorError):
    """A DuckDB construct for which the translation has no rule."""


@dataclass(frozen=True)
class Macro:
    params: tuple[str, ...]
    body: exp.Expression


@dataclass(frozen=True)
class Definitions:
    """What queries/views.sql defines: its macros and its views (in order), in Spark SQL."""

    macros: dict[str, Macro]
    views: tuple[tuple[str, str], ...]


@cache
def definitions() -> Definitions:
    """The macros and views of queries/views.sql; the views translated to Spark SQL."""
    macros: dict[str, Macro] = {}
    views: list[tuple[str, str]] = []
    for statement in sqlglot.parse(read_sql("views"), read="duckdb"):
        if not isinstance(statement, exp.Create):
            continue
        kind = statement.args.get("kind")
        if kind == "MACRO":
            udf = statement.this
            macros[udf.this.name.lower()] = Macro(tuple(p.name for p in udf.expressions), statement.expression)
        elif kind == "VIEW":
            views.append((statement.this.name, _translate(statement.expression, macros)))
    return Definitions(macros, tuple(views))


def translate(sql: str) -> str:
    """A DuckDB query of queries/ (a control's) as Spark SQL."""
    return _translate(sqlglot.parse_one(strip_header(sql), read="duckdb"), definitions().macros)


def _translate(tree: exp.Expression, macros: dict[str, Macro]) -> str:
    tree = _expand_macros(tree.copy(), macros)
    tree = tree.transform(_rewrite)
    for join in list(tree.find_all(exp.Join)):
        if (join.args.get("method") or "").upper() == "ASOF":
            _rewrite_asof(join)
    return tree.sql("spark", comments=False)


def _expand_macros(tree: exp.Expression, macros: dict[str, Macro]) -> exp.Expression:
    """Replace every call of a macro by its body with the arguments in place (macros may call
    macros: expanded until none is left)."""

    def expand(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and node.name.lower() in macros:
            macro = macros[node.name.lower()]
            if len(node.expressions) != len(macro.params):
                raise NoSparkForm(f"macro {node.name} takes {len(macro.params)} arguments")
            args = dict(zip(macro.params, node.expressions))

            def put(n: exp.Expression) -> exp.Expression:
                if isinstance(n, exp.Column) and not n.table and n.name in args:
                    return exp.Paren(this=args[n.name].copy())
                return n

            return exp.Paren(this=macro.body.copy().transform(put))
        return node

    for _ in range(10):
        before = tree.sql("duckdb")
        tree = tree.transform(expand)
        if tree.sql("duckdb") == before:
            return tree
    raise NoSparkForm("macros nested more than 10 deep")


_STRFTIME = {"%Y": "yyyy", "%m": "MM", "%d": "dd", "%H": "HH", "%M": "mm", "%S": "ss"}


def _spark_pattern(fmt: str) -> str:
    """A strftime format as a Spark datetime pattern, literal text quoted."""
    out = []
    for piece in re.split(r"(%.)", fmt):
        if piece.startswith("%"):
            if piece not in _STRFTIME:
                raise NoSparkForm(f"strftime directive {piece} has no Spark rule")
            out.append(_STRFTIME[piece])
        elif piece:
            out.append("".join(c if c in " -:/.," else f"'{c}'" for c in piece).replace("''", ""))
    return "".join(out)


def _call(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _rewrite(node: exp.Expression) -> exp.Expression:
    """The function-level rules (see the module's docstring)."""
    if isinstance(node, exp.TimeToUnix):  # epoch(t): seconds with their fraction, as DuckDB
        return exp.Paren(this=exp.Div(this=_call("UNIX_MICROS", node.this), expression=exp.Literal.number("1e6")))
    if isinstance(node, exp.ToDays):
        return _call("MAKE_DT_INTERVAL", node.this, *(exp.Literal.number(0) for _ in range(3)))
    if isinstance(node, exp.Anonymous) and node.name.lower() == "to_seconds":
        return _call("MAKE_DT_INTERVAL", *(exp.Literal.number(0) for _ in range(3)), node.expressions[0])
    if isinstance(node, exp.Length) and isinstance(node.this, (exp.ArrayFilter, exp.Array)):
        return _call("SIZE", node.this)
    if isinstance(node, exp.TimeToStr):
        fmt = node.args["format"]
        if not fmt.is_string:
            raise NoSparkForm("strftime with a computed format")
        return _call("DATE_FORMAT", node.this, exp.Literal.string(_spark_pattern(fmt.name)))
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node.set("materialized", None)  # a hint only: Spark plans CTEs itself
    agg = node.this if isinstance(node, exp.Filter) else node
    if isinstance(agg, exp.ArrayAgg) and isinstance(agg.this, exp.Order):
        # list(x ORDER BY x): Spark collects in no order, so sort the list (ascending by the
        # collected value only: the one ordered list views.sql uses).
        order = agg.this
        (key,) = order.expressions
        value = order.this.expressions[0] if isinstance(order.this, exp.Distinct) else order.this
        if key.args.get("desc") or key.this != value:
            raise NoSparkForm("an ordered list() other than by its own value, ascending")
        agg.set("this", order.this)
        return _call("SORT_ARRAY", node)
    return node


def _rewrite_asof(join: exp.Join) -> None:
    """`X ASOF [LEFT] JOIN Y y ON <equalities> AND x.t >= y.v` (or >, or the mirrored <=, <) as
    an ordinary join on the spell of y: y.v <= x.t < the next y.v of the same keys."""
    right = join.this
    alias = right.alias_or_name
    keys: list[str] = []
    inequality = None
    for term in join.args["on"].flatten() if isinstance(join.args["on"], exp.And) else [join.args["on"]]:
        mine = [c for c in (term.left, term.right) if isinstance(c, exp.Column) and c.table == alias]
        if isinstance(term, exp.EQ) and len(mine) == 1:
            keys.append(mine[0].name)
        elif isinstance(term, (exp.GTE, exp.GT, exp.LTE, exp.LT)) and len(mine) == 1 and inequality is None:
            inequality = term
        else:
            raise NoSparkForm(f"ASOF join condition {term.sql('duckdb')}")
    if inequality is None:
        raise NoSparkForm("ASOF join without an inequality")
    if isinstance(inequality.right, exp.Column) and inequality.right.table == alias:
        outer, valid_from, strict = inequality.left, inequality.right, isinstance(inequality, exp.GT)
    else:
        outer, valid_from, strict = inequality.right, inequality.left, isinstance(inequality, exp.LT)
    window = exp.Window(
        this=_call("LEAD", exp.column(valid_from.name)),
        partition_by=[exp.column(k) for k in keys],
        order=exp.Order(expressions=[exp.Ordered(this=exp.column(valid_from.name))]),
    )
    inner = right.copy()
    inner.set("alias", None)
    spells = exp.select(exp.Star(), exp.alias_(window, NEXT)).from_(inner).subquery(alias)
    following = exp.column(NEXT, table=alias)
    bound = exp.LTE(this=outer.copy(), expression=following) if strict else exp.LT(this=outer.copy(), expression=following)
    join.set("this", spells)
    join.set("method", None)
    join.set("on", exp.and_(join.args["on"], exp.paren(exp.or_(exp.Is(this=following, expression=exp.Null()), bound))))


def placeholders(spark_sql: str) -> set[str]:
    """The named parameters (:name) a Spark statement uses."""
    return {p.name for p in sqlglot.parse_one(spark_sql, read="spark").find_all(exp.Placeholder)}


# --- running -------------------------------------------------------------------------------------

def require_spark() -> None:
    """Say in one line, before any work, what `--engine spark` lacks on this machine: PySpark,
    or Java for a local driver (Spark Connect, SPARK_REMOTE, needs no local Java)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise AuditorError("--engine spark needs PySpark: pip install 'auditor[spark]'") from None
    if os.environ.get("SPARK_REMOTE"):
        return
    java_home = os.environ.get("JAVA_HOME")
    java = os.path.join(java_home, "bin", "java") if java_home else shutil.which("java")
    if not java or not os.access(java, os.X_OK):
        where = f"JAVA_HOME={java_home} has no bin/java" if java_home else "no java on PATH"
        raise AuditorError(f"--engine spark needs Java 17 or later for Spark's driver ({where}): "
                           "install it (Debian: apt-get install openjdk-17-jre-headless) or set SPARK_REMOTE")


def session(config: Config) -> Any:
    """A Spark session: master and settings from auditor.toml [spark], overridden by the
    environment (SPARK_MASTER; SPARK_REMOTE selects Spark Connect, as PySpark itself reads it).
    Under spark-submit, or where a session is already running (a Databricks cluster), the
    launcher's master and settings stand: only [spark] conf and what the results depend on are
    set. Timestamps are compared and formatted in UTC, as in the audit database."""
    require_spark()
    from pyspark.sql import SparkSession

    remote = bool(os.environ.get("SPARK_REMOTE"))
    # spark-submit starts the JVM and hands its port to this process.
    launched = not remote and ("PYSPARK_GATEWAY_PORT" in os.environ or SparkSession.getActiveSession() is not None)
    builder = SparkSession.builder.appName(config.spark.app_name)
    master = os.environ.get("SPARK_MASTER") or config.spark.master
    if master and not remote and not launched:
        builder = builder.master(master)
    # Defaults for a session of our own (a small local run), never over a launcher's settings.
    tuning = {} if launched else {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false",
                                  "spark.sql.shuffle.partitions": "8"}
    # What the results depend on: UTC; and a run written into the lake keeps the lake's
    # timestamps (docs/lake.md), microseconds adjusted to UTC, not Spark's INT96 (read as naive).
    settings = {**tuning, "spark.sql.session.timeZone": "UTC", "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
                **config.spark.conf}
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        with warnings.catch_warnings():  # PySpark checks the pandas version (3 warns) though no pandas is involved
            warnings.simplefilter("ignore", FutureWarning)
            spark = builder.getOrCreate()
    except Exception as exc:  # Java missing, a master that cannot be reached: one line, no traceback
        raise AuditorError(f"cannot start Spark ({master or 'default master'}): {str(exc).strip().splitlines()[0]}") from None
    if not remote:  # Spark Connect has no SparkContext here: the server's log is the server's
        spark.sparkContext.setLogLevel(config.spark.log_level)
    return spark


def register_lake(spark: Any, lake: str) -> None:
    """The lake's tables and the shared views of queries/views.sql as Spark temporary views."""
    from pyspark.errors import AnalysisException

    base = lake.rstrip("/")
    if not is_uri(lake) and not os.path.isfile(os.path.join(lake, "_lake.json")):
        raise AuditorError(f"{lake}: not a lake made by `auditor export --parquet` (no _lake.json)")
    for table in TABLES:
        schema = spark.read.parquet(f"{base}/_schema/{table}.parquet").schema
        try:
            if not is_uri(lake) and not os.path.isdir(f"{base}/{table}"):
                raise FileNotFoundError
            frame = spark.read.schema(schema).parquet(f"{base}/{table}")
        except (AnalysisException, FileNotFoundError):  # no file (a log never loaded): empty, same columns
            frame = spark.createDataFrame([], schema)
        if table in PARTITIONED and "month" in frame.columns:
            frame = frame.drop("month")  # the folder's month is the time column's: not a column of the log
        frame.createOrReplaceTempView(table)
    for name, text in definitions().views:
        spark.sql(text).createOrReplaceTempView(name)
    # No loader kept access_versions in a lake: log-integrity reads it computed from the rows.
    spark.sql(translate(read_sql("db/versions_from_rows"))).createOrReplaceTempView("access_versions")


def spark_findings(spark: Any, control: Control, params: dict[str, object]) -> Any:
    """One control's findings from Spark, as an Arrow table of FINDING_COLUMNS."""
    text = translate(control.sql)
    args = {k: v for k, v in params.items() if k in placeholders(text)}
    return spark.sql(f"SELECT {', '.join(FINDING_COLUMNS)} FROM ({text})", args=args).toArrow()


def keep(con: duckdb.DuckDBPyConnection, name: str, rows: Any) -> None:
    """An Arrow table as a temporary table of the connection (read by name: DuckDB's scan of
    the Python variable `rows`)."""
    con.execute(read_sql("spark/keep").format(name=name))


def control_source(con: duckdb.DuckDBPyConnection, spark: Any) -> Callable[[Control, dict[str, object]], str]:
    """What `run_check` reads a control's findings from: the control run by Spark, its rows
    copied into a temporary DuckDB table (findings are few; the logs stay in the lake)."""
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException

    def source(control: Control, params: dict[str, object]) -> str:
        try:
            table = spark_findings(spark, control, params)
        except NoSparkForm as exc:
            raise ControlError(f"no Spark translation: {exc}") from None
        except (PySparkException, Py4JJavaError) as exc:  # Spark could not run it: the control is in error
            raise ControlError(f"Spark: {str(exc).strip().splitlines()[0]}") from None
        keep(con, "_engine_findings", table)
        return read_sql("spark/engine_findings").format(columns=", ".join(FINDING_COLUMNS))

    return source


def compare(con: duckdb.DuckDBPyConnection, spark: Any, controls: list[Control],
            params: dict[str, object]) -> dict[str, dict[str, int]]:
    """Each control's findings by DuckDB (on the tables `con` reads: a loaded database or a lake
    attached to it) and by Spark (on the lake registered in `spark`), row for row: per control,
    the rows each engine found and the rows only one of them found (both 0: identical)."""
    columns = ", ".join(FINDING_COLUMNS)
    out = {}
    for control in controls:
        keep(con, "_spark_rows", spark_findings(spark, control, params))
        run(con, read_sql("spark/duckdb_rows").format(columns=columns, control_sql=strip_header(control.sql)), params)
        out[control.id] = dict(zip(("duckdb", "spark", "only_duckdb", "only_spark"),
                                   con.execute(read_sql("spark/compare").format(columns=columns)).fetchall()[0]))
    return out


def on_lake(config: Config, lake: str) -> Any:
    """`--engine spark`: a session (auditor.toml [spark], SPARK_* environment) with the lake
    registered."""
    spark = session(config)
    register_lake(spark, lake)
    return spark
