"""One schema source: auditor/schema.py describes the logs; the tables, the sample's columns and
the optional logs follow from it."""

from __future__ import annotations

import pytest

from auditor import sample
from auditor.adapters.snapshots import SNAPSHOTS
from auditor.config import Config
from auditor.db import connect
from auditor.resources import queries_dir
from auditor.schema import LOGS, OPTIONAL_LOGS, TABLES, create_table, generated


def test_the_log_tables_in_schema_sql_are_the_ones_schema_py_generates():
    text = (queries_dir() / "schema.sql").read_text(encoding="utf-8")
    assert generated(text) == text, "queries/schema.sql is stale: run `python -m auditor.schema`"
    for log in TABLES.values():
        assert create_table(log) in text


def test_a_stale_block_is_rewritten_from_the_schema():
    text = (queries_dir() / "schema.sql").read_text(encoding="utf-8")
    stale = text.replace("    connection_degree  BIGINT,\n", "").replace("    value    VARCHAR NOT NULL,\n", "    value    VARCHAR,\n")
    assert stale != text and generated(stale) == text


@pytest.mark.parametrize("log", TABLES.values(), ids=list(TABLES))
def test_each_log_table_has_the_schemas_column_names_types_and_nullability(log):
    con = connect(":memory:", Config())
    try:
        def stored_type(sql_type: str) -> str:
            return con.execute(f"SELECT typeof(CAST(NULL AS {sql_type}))").fetchone()[0]

        have = con.execute("SELECT column_name, data_type, is_nullable FROM duckdb_columns() "
                           "WHERE table_name = ? ORDER BY column_index", [log.name]).fetchall()
        want = [(c.name, stored_type(c.sql_type), not c.not_null) for c in log.columns]
        want += [("_file_id", "INTEGER", True), ("_line", "BIGINT", True), ("_hash", "UBIGINT", True), ("_extra", "JSON", True),
                 ("_id_hash", "UBIGINT", True)]
        assert have == want
    finally:
        con.close()


def test_the_types_follow_the_kinds():
    access = {c.name: c for c in TABLES["access_events"].columns}
    assert [access[n].sql_type for n in ("occurred_at", "fields", "connection_degree", "app")] == [
        "TIMESTAMPTZ", "VARCHAR[]", "BIGINT", "VARCHAR"]
    extended = next(c for c in TABLES["dsr_requests"].columns if c.name == "extended")
    assert extended.sql_type == "BOOLEAN" and extended.not_null and not extended.required  # absent is false


def test_the_sample_and_the_snapshot_adapter_take_their_columns_from_the_schema():
    assert sample.COLUMNS == {log.name: log.column_names for log in LOGS}
    assert sample.LIST_COLUMNS == {"fields"}
    assert SNAPSHOTS is TABLES["linkedin_setting_snapshots"]


def test_consent_and_access_events_are_required_and_the_other_logs_optional():
    assert OPTIONAL_LOGS == {"users", "admin_events", "dsr_requests"}


def test_the_subject_export_holds_each_logs_columns_in_the_schemas_order(tmp_path):
    from conftest import load_into, write_input

    from auditor.subject import records

    con = connect(":memory:", Config())
    try:
        load_into(con, write_input(tmp_path, users=[{"user_id": "u1"}],
                                   dsr_requests=[{"request_id": "r1", "user_id": "u1", "type": "access",
                                                  "received_at": "2026-10-02T00:00:00Z"}]))
        exported = records(con, "u1")
    finally:
        con.close()
    access = list(TABLES["access_events"].column_names)
    access.insert(access.index("viewer_id") + 1, "viewed_by_other")  # whether someone else viewed
    assert list(exported["access_events"][0]) == access
    for log in ("users", "consent_events", "dsr_requests"):
        assert list(exported[log][0]) == list(TABLES[log].column_names)
