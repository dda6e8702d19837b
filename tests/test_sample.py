"""Tests for auditor.sample: determinism, formats, well-formed keys, and the key itself.

The last tests re-derive both answer keys from the written CSV files with a small, independent
reading of the input contract and the control catalogue in plain Python (the data is small), so a
generator bug that dirties the background or mislabels a planted row shows up here.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from auditor.sample import COLUMNS, REJECTION_RULES, add_months, generate

CONTROLS = (
    "consent-before-access", "access-after-disconnect", "consent-scope", "org-enablement",
    "admin-authority", "announcement-before-consent", "allowed-categories", "calendar-fields",
    "first-degree-connections", "session-retention", "contacts-deletion",
    "eu-us-transfer-tagged", "profile-visibility", "dsr-deadline", "log-integrity",
)
SMALL = {"users": 40, "months": 3}


@pytest.fixture(scope="module")
def csv_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample_csv")
    generate(out, **SMALL)
    return out


def _read_key(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _read_csv(path: Path) -> list[dict[str, str | None]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [{k: (v if v != "" else None) for k, v in row.items()}
                for row in csv.DictReader(fh)]


def _read_any(path: Path) -> list[dict[str, str | None]]:
    """Rows as dicts of text, lists joined with ';', empty as None, whatever the format."""
    if path.suffix == ".csv":
        return _read_csv(path)
    if path.suffix == ".jsonl":
        with open(path, encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh]
    else:
        rows = pq.read_table(path).to_pylist()
    return [{k: (";".join(v) if isinstance(v, list) else v) for k, v in r.items()}
            for r in rows]


# --------------------------------------------------------------------------------------------
# Plain properties
# --------------------------------------------------------------------------------------------

def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    for fmt in ("csv", "parquet"):
        a, b, c = tmp_path / f"a-{fmt}", tmp_path / f"b-{fmt}", tmp_path / f"c-{fmt}"
        generate(a, users=25, months=3, seed=11, fmt=fmt)
        generate(b, users=25, months=3, seed=11, fmt=fmt)
        generate(c, users=25, months=3, seed=12, fmt=fmt)
        names = sorted(p.name for p in a.iterdir())
        assert names == sorted(p.name for p in b.iterdir())
        for name in names:
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
        assert (a / f"access_events.{fmt}").read_bytes() != \
            (c / f"access_events.{fmt}").read_bytes()


def test_all_three_formats_hold_the_same_rows(tmp_path: Path) -> None:
    counts = {}
    for fmt in ("csv", "jsonl", "parquet"):
        counts[fmt] = generate(tmp_path / fmt, users=30, months=3, fmt=fmt)
        assert sorted(counts[fmt]) == sorted(COLUMNS)
    assert counts["csv"] == counts["jsonl"] == counts["parquet"]
    for log, cols in COLUMNS.items():
        rows = {fmt: _read_any(tmp_path / fmt / f"{log}.{ext}")
                for fmt, ext in (("csv", "csv"), ("jsonl", "jsonl"), ("parquet", "parquet"))}
        assert len(rows["csv"]) == counts["csv"][log]
        for fmt in ("jsonl", "parquet"):
            assert [list(r) for r in rows[fmt][:1]] == [list(cols)]
            assert rows[fmt] == rows["csv"], (log, fmt)
    # The answer keys name files by their extension, and lines shift by the CSV header.
    keys = {fmt: _read_key(tmp_path / fmt / "expected_rejections.csv") for fmt in counts}
    for c, j, p in zip(keys["csv"], keys["jsonl"], keys["parquet"]):
        assert c["file"].rsplit(".", 1)[0] == j["file"].rsplit(".", 1)[0] \
            == p["file"].rsplit(".", 1)[0]
        assert int(c["line"]) == int(j["line"]) + 1 == int(p["line"]) + 1
        assert c["rule"] == j["rule"] == p["rule"]
    for fmt in counts:
        assert (tmp_path / fmt / "expected_findings.csv").read_bytes() == \
            (tmp_path / "csv" / "expected_findings.csv").read_bytes()


def test_findings_key_is_well_formed_and_covers_every_control(csv_dir: Path) -> None:
    text = (csv_dir / "expected_findings.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "control,event_id"
    rows = [(r["control"], r["event_id"]) for r in _read_key(csv_dir / "expected_findings.csv")]
    assert rows == sorted(set(rows)), "sorted, one line per (control, row)"
    per_control = defaultdict(int)
    for control, event_id in rows:
        assert control in CONTROLS
        assert event_id
        per_control[control] += 1
    assert {c: n for c, n in per_control.items() if n < 3} == {}
    assert set(per_control) == set(CONTROLS)


def test_rejections_key_is_well_formed(csv_dir: Path) -> None:
    text = (csv_dir / "expected_rejections.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "file,line,rule"
    rows = _read_key(csv_dir / "expected_rejections.csv")
    assert 8 <= len(rows) <= 15
    assert {r["rule"] for r in rows} == set(REJECTION_RULES)
    for r in rows:
        assert (csv_dir / r["file"]).exists()
        assert int(r["line"]) >= 2


def test_every_finding_names_a_row_in_the_logs(csv_dir: Path) -> None:
    ids = set()
    for log in ("admin_events", "consent_events", "access_events"):
        ids |= {r["event_id"] for r in _read_csv(csv_dir / f"{log}.csv")}
    requests = {r["request_id"] for r in _read_csv(csv_dir / "dsr_requests.csv")}
    for r in _read_key(csv_dir / "expected_findings.csv"):
        pool = requests if r["control"] == "dsr-deadline" else ids | requests
        assert r["event_id"] in pool, r


def test_planted_rows_are_a_small_fraction(tmp_path: Path) -> None:
    counts = generate(tmp_path, users=300, months=3)
    findings = _read_key(tmp_path / "expected_findings.csv")
    assert len(findings) < 0.01 * sum(counts.values())


def test_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path, fmt="xml")
    with pytest.raises(ValueError):
        generate(tmp_path, months=2)
    with pytest.raises(ValueError):
        generate(tmp_path, start="August")


def test_add_months_clamps() -> None:
    utc = timezone.utc
    assert add_months(datetime(2026, 8, 31, 10, tzinfo=utc), 1) == datetime(2026, 9, 30, 10,
                                                                           tzinfo=utc)
    assert add_months(datetime(2027, 1, 31, tzinfo=utc), 1) == datetime(2027, 2, 28, tzinfo=utc)
    assert add_months(datetime(2026, 11, 30, tzinfo=utc), 3) == datetime(2027, 2, 28,
                                                                         tzinfo=utc)
    assert add_months(datetime(2026, 10, 28, tzinfo=utc), -1) == datetime(2026, 9, 28,
                                                                          tzinfo=utc)


# --------------------------------------------------------------------------------------------
# An independent reading of the spec
# --------------------------------------------------------------------------------------------

_TS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?"
                 r"(Z|[+-]\d{2}(?::?\d{2})?)?$")
_ENUMS = {
    ("admin_events", "action"): {"enable_all", "enable_group", "disable", "group_add",
                                 "group_remove", "announce"},
    ("consent_events", "action"): {"connect", "disconnect", "hide_profile", "show_profile"},
    ("consent_events", "scope"): {"bidirectional", "linkedin_only"},
    ("access_events", "direction"): {"linkedin_to_microsoft", "microsoft_to_linkedin"},
    ("access_events", "category"): {"profile", "interests", "subscriptions", "connections",
                                    "calendar", "contacts"},
    ("dsr_requests", "type"): {"access", "erasure", "portability", "rectification",
                               "objection"},
    ("dsr_requests", "scope"): {"contacts", "all"},
}
_TIMES = {"admin_events": ("occurred_at",), "consent_events": ("occurred_at",),
          "access_events": ("occurred_at", "session_end", "purged_at"),
          "dsr_requests": ("received_at", "completed_at")}
_REQUIRED = {
    "users": ("user_id",),
    "admin_events": ("event_id", "occurred_at", "actor_id", "actor_role", "action"),
    "consent_events": ("event_id", "occurred_at", "user_id", "action"),
    "access_events": ("event_id", "occurred_at", "user_id", "direction", "category",
                      "session_id"),
    "dsr_requests": ("request_id", "user_id", "type", "received_at"),
}
_EEA = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
        "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS",
        "LI", "NO", "EU"}
_ALLOWED = {"linkedin_to_microsoft": {"profile", "interests", "subscriptions", "connections"},
            "microsoft_to_linkedin": {"profile", "calendar", "interests", "subscriptions",
                                      "contacts"}}
_CAL = {"start", "end", "timezone", "location", "attendees", "organizer"}
_DPF = datetime(2023, 7, 10, tzinfo=timezone.utc)


def _ts(text: str) -> datetime | str:
    m = _TS.match(text)
    if not m:
        return "bad_timestamp"
    if not m.group(8):
        return "naive_timestamp"
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    off = m.group(8)
    if off == "Z":
        delta = timedelta(0)
    else:
        digits = off[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
        delta = delta if off[0] == "+" else -delta
    try:
        local = datetime(y, mo, d, h, mi, s, tzinfo=timezone.utc)
    except ValueError:
        return "bad_timestamp"
    frac = m.group(7)
    if frac:
        local += timedelta(microseconds=round(float(frac) * 1e6))
    return local - delta


def _country(text: str) -> str | None:
    if not re.fullmatch(r"[A-Za-z]{2}", text):
        return None
    return {"UK": "GB", "EL": "GR"}.get(text.upper(), text.upper())


def _load(folder: Path) -> tuple[dict[str, list[dict]], set[tuple[str, int, str]]]:
    """A minimal loader per input-schema.md: (loaded rows per log, rejections)."""
    loaded: dict[str, list[dict]] = {}
    rejected: set[tuple[str, int, str]] = set()
    for log, cols in COLUMNS.items():
        name = f"{log}.csv"
        rows, seen, users = [], set(), {}
        for line, raw in enumerate(_read_csv(folder / name), start=2):
            row = {c: (raw[c] or "").strip() for c in cols}
            rule = None
            if any(not row[c] for c in _REQUIRED[log]):
                rule = "missing_value"
            for c in _TIMES.get(log, ()):
                if rule is None and row[c]:
                    value = _ts(row[c])
                    if isinstance(value, str):
                        rule = value
                    else:
                        row[c] = value
            for (lg, c), allowed in _ENUMS.items():
                if lg == log and rule is None and row[c]:
                    row[c] = row[c].lower()
                    if row[c] not in allowed:
                        rule = "bad_enum"
            if log == "access_events" and rule is None:
                if row["connection_degree"] and not row["connection_degree"].isdigit():
                    rule = "bad_integer"
                for c in ("source_region", "destination_region"):
                    if row[c] and rule is None:
                        row[c] = _country(row[c]) or ""
                        rule = rule if row[c] else "bad_country"
                row["fields"] = [f.lower() for f in row["fields"].split(";") if f.strip()]
                row["transfer_mechanism"] = row["transfer_mechanism"].lower()
                row["app"] = row["app"].lower()
            if log == "dsr_requests" and rule is None:
                ext = row["extended"].lower()
                if ext not in ("", "true", "false", "yes", "no", "1", "0"):
                    rule = "bad_boolean"
                row["extended"] = ext in ("true", "yes", "1")
            if log == "users" and rule is None:
                if row["country"]:
                    row["country"] = _country(row["country"]) or ""
                    rule = None if row["country"] else "bad_country"
                prior = users.get(row["user_id"])
                if rule is None and prior is not None and prior != row:
                    rule = "duplicate_user"
            if log == "admin_events":
                row["actor_role"] = row["actor_role"].lower()
            if rule:
                rejected.add((name, line, rule))
                continue
            key = json.dumps(row, default=str, sort_keys=True)
            if key in seen:
                continue  # an exact duplicate: skipped
            seen.add(key)
            if log == "users":
                users[row["user_id"]] = row
            rows.append(row)
        loaded[log] = rows
    return loaded, rejected


def _latest(events: list[tuple[datetime, str]], t: datetime) -> set[str]:
    """The kinds of the latest events at or before t (all of those at that instant)."""
    before = [e for e in events if e[0] <= t]
    if not before:
        return set()
    tm = max(e[0] for e in before)
    return {e[1] for e in before if e[0] == tm}


def _reference_findings(folder: Path) -> set[tuple[str, str]]:  # noqa: C901
    data, _ = _load(folder)
    adm, con, acc, dsr = (data["admin_events"], data["consent_events"], data["access_events"],
                          data["dsr_requests"])
    users = {u["user_id"] for u in data["users"]}
    as_of = max([r["occurred_at"] for r in adm + con + acc] + [r["received_at"] for r in dsr])
    out: set[tuple[str, str]] = set()

    conn = defaultdict(list)
    vis = defaultdict(list)
    for c in con:
        if c["action"] in ("connect", "disconnect"):
            kind = c["action"] if c["action"] == "disconnect" else f"connect:{c['scope']}"
            conn[c["user_id"]].append((c["occurred_at"], kind))
        else:
            vis[c["user_id"]].append((c["occurred_at"], c["action"]))
    org = [(a["occurred_at"], f"{a['action']}:{a['group_id']}") for a in adm
           if a["action"] in ("enable_all", "enable_group", "disable")]
    member = defaultdict(list)
    for a in adm:
        if a["action"] in ("group_add", "group_remove"):
            member[(a["target_user_id"], a["group_id"])].append((a["occurred_at"], a["action"]))
    announces = [a["occurred_at"] for a in adm if a["action"] == "announce"]

    def state(u: str, t: datetime) -> str:
        if not any(k.startswith("connect") for when, k in conn[u] if when <= t):
            return "never"
        kinds = _latest(conn[u], t)
        if "disconnect" in kinds:
            return "disconnected"
        return "linkedin_only" if "connect:linkedin_only" in kinds else "bidirectional"

    def enabled(u: str, t: datetime) -> bool:
        kinds = _latest(org, t)
        if not kinds or any(k.startswith("disable") for k in kinds):
            return False
        groups = [k.split(":", 1)[1] for k in kinds if k.startswith("enable_group")]
        return all(_latest(member[(u, g)], t) == {"group_add"} for g in groups)

    for c in con:
        if c["action"] == "connect":
            if not enabled(c["user_id"], c["occurred_at"]):
                out.add(("org-enablement", c["event_id"]))
            if not any(t <= c["occurred_at"] for t in announces):
                out.add(("announcement-before-consent", c["event_id"]))
    for a in adm:
        if a["actor_role"] not in ("global_administrator", "user_administrator"):
            out.add(("admin-authority", a["event_id"]))

    erasures = defaultdict(list)
    for r in dsr:
        if r["type"] == "erasure" and r["scope"] in ("", "contacts", "all"):
            erasures[r["user_id"]].append(r["received_at"])

    for a in acc:
        u, t, eid = a["user_id"], a["occurred_at"], a["event_id"]
        direction, category = a["direction"], a["category"]
        st = state(u, t)
        if st == "never":
            out.add(("consent-before-access", eid))
        if st == "disconnected":
            out.add(("access-after-disconnect", eid))
        if direction == "microsoft_to_linkedin" and st == "linkedin_only":
            out.add(("consent-scope", eid))
        if not enabled(u, t):
            out.add(("org-enablement", eid))
        if category not in _ALLOWED[direction]:
            out.add(("allowed-categories", eid))
        if direction == "microsoft_to_linkedin" and category == "calendar" \
                and set(a["fields"]) - _CAL:
            out.add(("calendar-fields", eid))
        if direction == "linkedin_to_microsoft" and category == "connections" \
                and (not a["connection_degree"] or int(a["connection_degree"]) != 1):
            out.add(("first-degree-connections", eid))
        purged = a["purged_at"] if a["purged_at"] and a["purged_at"] <= as_of else None
        if category != "contacts":
            if not a["session_end"]:
                out.add(("session-retention", eid))
            elif (purged and purged > a["session_end"]) or \
                    (not purged and a["session_end"] < as_of):
                out.add(("session-retention", eid))
        if direction == "microsoft_to_linkedin" and category == "contacts":
            later = [r for r in erasures[u] if r >= t]
            if later:
                deadline = min(later) + timedelta(days=30)
                if deadline <= as_of and (not purged or purged > deadline):
                    out.add(("contacts-deletion", eid))
        src, dst = a["source_region"], a["destination_region"]
        if (src in _EEA and dst == "US") or (src == "US" and dst in _EEA):
            mech = a["transfer_mechanism"]
            if mech not in ("dpf", "scc", "bcr") or (mech == "dpf" and t < _DPF):
                out.add(("eu-us-transfer-tagged", eid))
        if direction == "linkedin_to_microsoft" and category == "profile" \
                and a["viewer_id"] and a["viewer_id"] != u \
                and "hide_profile" in _latest(vis[u], t):
            out.add(("profile-visibility", eid))
        if a["session_end"] and a["session_end"] < t:
            out.add(("log-integrity", eid))
        if not src or not dst:
            out.add(("log-integrity", eid))

    for r in dsr:
        deadline = add_months(r["received_at"], 3 if r["extended"] else 1)
        done = r["completed_at"] if r["completed_at"] and r["completed_at"] <= as_of else None
        if (done and done > deadline) or (not done and deadline < as_of):
            out.add(("dsr-deadline", r["request_id"]))

    for log, id_col in (("admin_events", "event_id"), ("consent_events", "event_id"),
                        ("access_events", "event_id"), ("dsr_requests", "request_id")):
        versions = defaultdict(int)
        for row in data[log]:
            versions[row[id_col]] += 1
            when = row.get("occurred_at") or row.get("received_at")
            if when > as_of:
                out.add(("log-integrity", row[id_col]))
            if log != "admin_events" and row["user_id"] not in users:
                out.add(("log-integrity", row[id_col]))
        out |= {("log-integrity", i) for i, n in versions.items() if n > 1}
    return out


@pytest.mark.parametrize("start", ["2026-08", "2023-06", "2027-01"])
def test_answer_keys_match_an_independent_reading_of_the_spec(tmp_path: Path,
                                                              start: str) -> None:
    generate(tmp_path, start=start, seed=3, **SMALL)
    expected = {(r["control"], r["event_id"])
                for r in _read_key(tmp_path / "expected_findings.csv")}
    found = _reference_findings(tmp_path)
    assert sorted(found - expected) == [], "found but not in the key"
    assert sorted(expected - found) == [], "in the key but not found"
    _, rejected = _load(tmp_path)
    key = {(r["file"], int(r["line"]), r["rule"])
           for r in _read_key(tmp_path / "expected_rejections.csv")}
    assert rejected == key


def test_dpf_boundary_is_planted_only_when_the_range_covers_it(tmp_path: Path) -> None:
    generate(tmp_path / "a", start="2023-06", **SMALL)
    generate(tmp_path / "b", **SMALL)
    ids_a = {r["event_id"] for r in _read_key(tmp_path / "a" / "expected_findings.csv")}
    ids_b = {r["event_id"] for r in _read_key(tmp_path / "b" / "expected_findings.csv")}
    assert "p-eu-5" in ids_a and "p-eu-5" not in ids_b


def test_exact_duplicate_is_present_but_neither_finding_nor_rejection(csv_dir: Path) -> None:
    rows = [r for r in _read_csv(csv_dir / "access_events.csv") if r["event_id"] == "p-dup-1"]
    assert len(rows) == 2 and rows[0] == rows[1]
    assert "p-dup-1" not in {r["event_id"] for r in
                             _read_key(csv_dir / "expected_findings.csv")}
