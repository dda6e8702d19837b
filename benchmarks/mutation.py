"""Mutation testing of the controls: does each control's cases.toml pin its rule at every edge?

sqlglot parses a control's query.sql (and the shared queries/views.sql) and rewrites it one
change at a time:
  - a comparison made strict or non-strict (< <=, > >=);
  - one condition dropped (an operand of AND made TRUE, of OR made FALSE, a whole WHERE made TRUE);
  - IS NULL swapped with IS NOT NULL;
  - a constant changed (a number plus one, a string given another value);
  - two adjacent CASE branches swapped.
Text that only builds a finding's reason (inside `||`) is not mutated: the cases pin which rows
are findings, not their wording. Each mutant runs against the cases of its control (a mutant of
views.sql: of every control whose SQL names the view or macro it changes); it is killed when a
case's findings differ from its `expect` or the SQL fails, survived otherwise.

All of it runs in this one process: each case's database is loaded once, in memory, and every
mutant is run against it.

    python benchmarks/mutation.py [--control ID ...] [--json benchmarks/results/mutation.json]

A survivor that no data can tell from the original is listed in EQUIVALENT with the reason;
every other survivor is a missing case.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

from auditor.cases import Case, case_database, findings, load_cases
from auditor.controls import Control, catalogue
from auditor.resources import queries_dir

# (file, mutant description) -> why no data can tell it from the original (its finding ids).
EQUIVALENT: dict[tuple[str, str], str] = {
    ("consent-scope", "drop condition state = 'connected'"):
        "consent_states gives a scope only to a connected state",
    ("contacts-deletion", "drop condition nth = 1"):
        "the earliest request has the earliest deadline: a later one finds no row the earliest does not",
    ("contacts-deletion", "drop condition received_at <= $as_of"):
        "a request received after as_of has its deadline after as_of too",
    ("contacts-deletion", "received_at <= $as_of  ->  received_at < $as_of"):
        "a request received at as_of has its deadline after as_of",
    ("contacts-deletion", "drop condition COALESCE(scope, 'all') IN ('contacts', 'all')"):
        "the loader admits no other scope (schema: contacts, all or none)",
    ("contacts-deletion", "drop condition a.occurred_at <= $as_of"):
        "implied: the contacts were sent at or before a request received at or before as_of",
    ("contacts-deletion", "a.occurred_at <= $as_of  ->  a.occurred_at < $as_of"):
        "a send at as_of is covered only by a request received at as_of, whose deadline is after as_of",
    ("dsr-deadline", "drop condition NOT completed IS NULL"):
        "completed > deadline is not true when completed is NULL",
    ("dsr-deadline", "drop WHERE received_at <= $as_of"):
        "a request received after as_of has its deadline after as_of and no completion at or before it",
    ("dsr-deadline", "received_at <= $as_of  ->  received_at < $as_of"):
        "a request received at as_of has its deadline after as_of",
    ("dsr-deadline", "completed_at <= $as_of  ->  completed_at < $as_of"):
        "a completion exactly at as_of is late exactly when an open request is (deadline < as_of)",
    ("session-retention", "drop condition NOT purged IS NULL"):
        "purged > due is not true when purged is NULL",
    ("session-retention", "purged_at <= $as_of  ->  purged_at < $as_of"):
        "a purge exactly at as_of is late exactly when a copy still held is (due < as_of)",
    ("profile-visibility", "drop condition NOT a.viewer_id IS NULL"):
        "viewer_id <> user_id is not true when viewer_id is NULL",
    ("org-enablement", "drop condition org.state = 'group'"):
        "group_checks has rows only for the group state; the other states are findings anyway",
    ("org-enablement", "drop WHERE i.state <> 'all'"):
        "a speed-up: the final WHERE drops the 'all' intervals",
    ("org-enablement", "constant 'all' -> 'all_x'"):
        "a speed-up: the final WHERE drops the 'all' intervals",
    ("org-enablement", "constant 'all' -> 'all_x' (2)"):
        "a speed-up: the bound then ends at the end of the last interval, so more rows are read and the join finds the same",
    ("org-enablement", "drop WHERE state = 'group'"):
        "the final WHERE reads group_checks only for the group state",
    ("views.sql", "org_states: constant 'all' -> 'all_x'"):
        "no control compares a state with 'all'; the final WHERE of org-enablement admits none but the others",
    ("views.sql", "consent_states: constant 'bidirectional' -> 'bidirectional_x'"):
        "controls compare the scope with 'linkedin_only' only",
    ("views.sql", "consent_states: drop condition action = 'connect'"):
        "only connects and disconnects reach it, and a disconnect at the instant clears the scope",
    ("views.sql", "visibility_states: constant 'visible' -> 'visible_x'"):
        "controls compare the visibility with 'hidden' only",
    ("log-integrity", "drop WHERE ended_before"):
        "every flagged row is a finding either way; only its reason's words change (test_controls.py pins them)",
    ("log-integrity", "drop WHERE after_as_of"):
        "every flagged row is a finding either way; only its reason's words change (test_controls.py pins them)",
    ("log-integrity", "drop WHERE unknown_user"):
        "every flagged row is a finding either way; only its reason's words change (test_controls.py pins them)",
    ("log-integrity", "drop WHERE no_region"):
        "every flagged row is a finding either way; only its reason's words change (test_controls.py pins them)",
    ("log-integrity", "drop WHERE event_id IN (SELECT event_id FROM access_versions)"):
        "a speed-up: the GROUP BY event_id HAVING count(*) > 1 decides",
    ("log-integrity", "COUNT(*) > 1  ->  COUNT(*) >= 1 (3)"):
        "the ids of access_versions have more than one row, and a period's rows hold every version of their ids",
    ("log-integrity", "constant ' ' -> ' _x'"):
        "the separator of the reasons joined into one",
    ("log-integrity", "drop condition a.occurred_at <= $as_of"):
        "a derived change after as_of is a finding anyway: a row dated after as_of",
    ("log-integrity", "drop condition f.format = 'linkedin_snapshots'"):
        "an audit record joined as if derived is explained by itself (same action, same instant)",
    ("log-integrity", "drop condition f.file_id = a._file_id"):
        "an audit record joined as if derived is explained by itself (same action, same instant)",
}


@dataclass
class Mutant:
    file: str  # "access-after-disconnect" or "views.sql"
    description: str
    sql: str
    statement: int = 0  # for views.sql: which statement it replaces


# Macros of views.sql that only word a reason.
TEXT_MACROS = ("fmt_ts", "fmt_duration", "describe_access")


def _in_text(node: exp.Expression) -> bool:
    """Inside the wording of a reason (a || chain), or a constant output column ('access_events'
    AS source): neither decides which rows are findings."""
    if isinstance(node, exp.Literal) and isinstance(node.parent, (exp.Alias, exp.Select)):
        return True
    parent = node.parent
    while parent is not None:
        if isinstance(parent, exp.DPipe):
            return True
        parent = parent.parent
    return False


def _variants(node: exp.Expression) -> list[tuple[str, exp.Expression]]:
    """The single-change replacements of one node: (description, replacement)."""
    out: list[tuple[str, exp.Expression]] = []
    swaps = {exp.LT: exp.LTE, exp.LTE: exp.LT, exp.GT: exp.GTE, exp.GTE: exp.GT}
    if type(node) in swaps:
        new = swaps[type(node)](this=node.this.copy(), expression=node.expression.copy())
        out.append((f"{node.sql('duckdb')}  ->  {new.sql('duckdb')}", new))
    if isinstance(node, exp.And):
        for side in ("this", "expression"):
            dropped = node.args[side]
            kept = node.expression if side == "this" else node.this
            out.append((f"drop condition {dropped.sql('duckdb')}", kept.copy()))
    if isinstance(node, exp.Or):
        for side in ("this", "expression"):
            dropped = node.args[side]
            kept = node.expression if side == "this" else node.this
            out.append((f"drop alternative {dropped.sql('duckdb')}", kept.copy()))
    if isinstance(node, exp.Where) and not isinstance(node.this, (exp.And, exp.Or)):
        out.append((f"drop WHERE {node.this.sql('duckdb')}", exp.Where(this=exp.true())))
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
        if isinstance(node.parent, exp.Not):
            pass  # handled at the NOT
        else:
            out.append((f"{node.sql('duckdb')}  ->  IS NOT NULL", exp.Not(this=node.copy())))
    if isinstance(node, exp.Not) and isinstance(node.this, exp.Is) and isinstance(node.this.expression, exp.Null):
        out.append((f"{node.sql('duckdb')}  ->  IS NULL", node.this.copy()))
    if isinstance(node, exp.Literal):
        if node.is_number:
            value = node.this
            new = str(int(value) + 1) if value.isdigit() else str(float(value) + 1)
            out.append((f"constant {value} -> {new}", exp.Literal.number(new)))
        elif node.is_string:
            out.append((f"constant '{node.this}' -> '{node.this}_x'", exp.Literal.string(node.this + "_x")))
    if isinstance(node, exp.Case) and len(node.args.get("ifs") or []) >= 2:
        ifs = node.args["ifs"]
        for i in range(len(ifs) - 1):
            new = node.copy()
            swapped = [x.copy() for x in ifs]
            swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
            new.set("ifs", swapped)
            out.append((f"swap CASE branches WHEN {ifs[i].this.sql('duckdb')} / WHEN {ifs[i + 1].this.sql('duckdb')}", new))
    return out


def mutants_of(sql: str) -> list[tuple[str, str]]:
    """Every single-change mutant of one statement: (description, SQL)."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    nodes = list(tree.walk())
    out = []
    for i, node in enumerate(nodes):
        if _in_text(node):
            continue
        for description, _ in _variants(node):
            copy = tree.copy()
            target = list(copy.walk())[i]
            replacement = dict(_variants(target))[description]
            if target is copy:
                copy = replacement
            else:
                target.replace(replacement)
            out.append((description, copy.sql(dialect="duckdb")))
    # The same change at two places: number the later ones, so that each has its own name.
    seen: dict[str, int] = {}
    named = []
    for description, mutated in out:
        seen[description] = seen.get(description, 0) + 1
        named.append((description if seen[description] == 1 else f"{description} ({seen[description]})", mutated))
    return named


def view_statements() -> list[str]:
    """queries/views.sql, one statement each."""
    return [s.sql(dialect="duckdb") for s in sqlglot.parse((queries_dir() / "views.sql").read_text(), read="duckdb") if s]


def _defined_name(statement: str) -> str | None:
    m = re.search(r"CREATE OR REPLACE (?:TEMPORARY )?(?:MACRO|VIEW|FUNCTION) (\w+)", statement, re.I)
    return m.group(1) if m else None


def _users_of(name: str, controls: list[Control], statements: list[str]) -> list[Control]:
    """The controls whose SQL names `name`, directly or through another view or macro."""
    names, grew = {name}, True
    while grew:
        grew = False
        for s in statements:
            defined = _defined_name(s)
            if defined and defined not in names and any(re.search(rf"\b{n}\b", s.split(" AS ", 1)[-1]) for n in names):
                names.add(defined)
                grew = True
    return [c for c in controls if any(re.search(rf"\b{n}\b", c.sql) for n in names)]


def _killed(con: duckdb.DuckDBPyConnection, control: Control, case: Case, sql: str) -> bool:
    try:
        return findings(con, control, case, sql) != set(case.expect)
    except duckdb.Error:
        return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--control", action="append", default=[], help="only this control (repeatable)")
    parser.add_argument("--no-views", action="store_true", help="skip the mutants of queries/views.sql")
    parser.add_argument("--json", type=Path, help="write the summary here as JSON")
    args = parser.parse_args(argv)
    started = time.process_time()
    controls = [c for c in catalogue() if not args.control or c.id in args.control]
    dbs: dict[str, list[tuple[Case, duckdb.DuckDBPyConnection]]] = {}
    for c in controls:
        dbs[c.id] = [(case, case_database(case, f"{c.id}: {case.name}")) for case in load_cases(c)]
        for case, con in dbs[c.id]:
            if _killed(con, c, case, c.sql):
                print(f"{c.id}: case {case.name!r} fails on the original SQL", file=sys.stderr)
                return 2
    results = []

    def judge(file: str, description: str, targets: list[tuple[Control, Case, duckdb.DuckDBPyConnection]],
              run: callable) -> None:
        killed = any(run(c, case, con) for c, case, con in targets)
        status = "killed" if killed else "equivalent" if (file, description) in EQUIVALENT else "survived"
        results.append({"file": file, "mutant": description, "status": status,
                        **({"why": EQUIVALENT[(file, description)]} if status == "equivalent" else {})})

    for c in controls:
        targets = [(c, case, con) for case, con in dbs[c.id]]
        for description, sql in mutants_of(c.sql):
            judge(c.id, description, targets, lambda ctl, case, con, sql=sql: _killed(con, ctl, case, sql))
    if not args.no_views:
        statements = view_statements()
        for i, statement in enumerate(statements):
            name = _defined_name(statement)
            if name in TEXT_MACROS:
                continue
            users = _users_of(name, controls, statements) if name else []
            targets = [(c, case, con) for c in users for case, con in dbs[c.id]]
            if not targets:
                continue
            for description, sql in mutants_of(statement):

                def run_view(ctl: Control, case: Case, con: duckdb.DuckDBPyConnection, sql: str = sql,
                             original: str = statement) -> bool:
                    try:
                        con.execute(sql)
                        return _killed(con, ctl, case, ctl.sql)
                    except duckdb.Error:
                        return True
                    finally:
                        con.execute(original)

                judge("views.sql", f"{name}: {description}", targets, run_view)
    for conns in dbs.values():
        for _, con in conns:
            con.close()
    summary: dict[str, dict[str, int]] = {}
    for r in results:
        counts = summary.setdefault(r["file"], {"killed": 0, "survived": 0, "equivalent": 0})
        counts[r["status"]] += 1
    total = {k: sum(s[k] for s in summary.values()) for k in ("killed", "survived", "equivalent")}
    for file, counts in summary.items():
        print(f"{file:32} killed {counts['killed']:3}  survived {counts['survived']:3}  equivalent {counts['equivalent']:3}")
    print(f"{'all':32} killed {total['killed']:3}  survived {total['survived']:3}  equivalent {total['equivalent']:3}"
          f"  ({len(results)} mutants, {time.process_time() - started:.0f} CPU-s)")
    for r in results:
        if r["status"] == "survived":
            print(f"survived: {r['file']}: {r['mutant']}")
    if args.json:
        args.json.write_text(json.dumps({"total": total, "by_file": summary, "mutants": results}, indent=2) + "\n")
    return 1 if total["survived"] else 0


if __name__ == "__main__":
    sys.exit(main())
