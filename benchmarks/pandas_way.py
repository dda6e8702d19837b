"""The pandas way: five of auditor's controls as a straightforward pandas script.

This is the baseline `benchmarks/run.py` compares `auditor check` with. It reads the Parquet logs
that `auditor load` reads, applies the loader's rules to them and computes the findings of

    consent-before-access, access-after-disconnect, consent-scope, session-retention,
    eu-us-transfer-tagged

with the default configuration and the default as_of, with the semantics of
`queries/views.sql` and `queries/controls/*.sql`:

* every value is trimmed of ' ', tab, CR and LF, and an empty value is missing; enums and
  labels (transfer mechanism) compare lower case; regions are upper case with UK -> GB and
  EL -> GR, and the code EU is in the EEA;
* a row the loader would reject is skipped: an empty required value (or scope of a connect,
  group of a group change...), a timestamp without an offset or one that does not parse, an
  enum outside its values, a connection_degree that is not digits, a region that is not two
  letters, an `extended` that is not a boolean;
* exact duplicates are kept once;
* as_of is the latest occurred_at (received_at for requests) of the access, consent, admin and
  request logs; rows after it are ignored and a purge after it has not happened;
* consent state at t: the latest connect/disconnect instant of the user at or before t
  (`merge_asof` per user); at one instant a disconnect wins over a connect and `linkedin_only`
  over `bidirectional`; never connected = no connect at or before t;
* session-retention: grace 0; eu-us-transfer-tagged: dpf, scc, bcr, dpf valid from 2023-07-10.

Usage: python pandas_way.py DATA_DIR [--output findings.json]

DATA_DIR holds NAME.parquet or NAME/ (a folder of .parquet files) per log, as `auditor load`
accepts. Writes (or prints) JSON: {"as_of", "rows": {log: valid rows}, "counts": {control: n},
"findings": [[control, event_id], ...]}.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

CONTROLS = (
    "consent-before-access",
    "access-after-disconnect",
    "consent-scope",
    "session-retention",
    "eu-us-transfer-tagged",
)
MECHANISMS = ("dpf", "scc", "bcr")
DPF_FROM = pd.Timestamp("2023-07-10T00:00:00Z")
GRACE = pd.Timedelta(hours=0)
EEA = {
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "EU",
}
TS_WITH_OFFSET = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)"
WHITESPACE = " \t\n\r"
BIGINT_MAX = "9223372036854775807"

# Per log: the columns read, and for each its kind as in auditor/schema.py (required columns
# marked with '!'). Columns the loader never rejects and the five controls never read (access
# fields, app, viewer_id; consent surface, notice_version) are not read at all.
LOGS = {
    "access_events": {
        "event_id": "id!", "occurred_at": "timestamp!", "user_id": "id!",
        "direction": "enum!", "category": "enum!", "connection_degree": "integer",
        "session_id": "id!", "session_end": "timestamp", "purged_at": "timestamp",
        "source_region": "country", "destination_region": "country", "transfer_mechanism": "label",
    },
    "consent_events": {
        "event_id": "id!", "occurred_at": "timestamp!", "user_id": "id!", "action": "enum!",
        "scope": "enum",
    },
    "admin_events": {
        "event_id": "id!", "occurred_at": "timestamp!", "actor_id": "id!", "actor_role": "label!",
        "action": "enum!", "group_id": "id", "target_user_id": "id",
    },
    "dsr_requests": {
        "request_id": "id!", "user_id": "id!", "type": "enum!", "scope": "enum",
        "received_at": "timestamp!", "extended": "boolean", "completed_at": "timestamp",
    },
}
ENUMS = {
    ("access_events", "direction"): ("linkedin_to_microsoft", "microsoft_to_linkedin"),
    ("access_events", "category"): ("profile", "interests", "subscriptions", "connections", "calendar", "contacts"),
    ("consent_events", "action"): ("connect", "disconnect", "hide_profile", "show_profile"),
    ("consent_events", "scope"): ("bidirectional", "linkedin_only"),
    ("admin_events", "action"): ("enable_all", "enable_group", "disable", "group_add", "group_remove", "announce"),
    ("dsr_requests", "type"): ("access", "erasure", "portability", "rectification", "objection"),
    ("dsr_requests", "scope"): ("contacts", "all"),
}
# Required only for some values of another column: (log, column) -> (other column, values).
REQUIRED_WHEN = {
    ("consent_events", "scope"): ("action", ("connect",)),
    ("admin_events", "group_id"): ("action", ("enable_group", "group_add", "group_remove")),
    ("admin_events", "target_user_id"): ("action", ("group_add", "group_remove")),
}
# The columns the controls read: rows equal on these give the same findings, so dropping
# duplicates on them keeps every exact duplicate once (and never changes a finding).
ACCESS_KEY = [
    "event_id", "occurred_at", "user_id", "direction", "category", "session_end", "purged_at",
    "source_region", "destination_region", "transfer_mechanism",
]


def files_of(data: Path, log: str) -> list[Path]:
    """NAME.parquet and the .parquet files of the folder NAME/, as `auditor load` finds them."""
    found = [data / f"{log}.parquet"] if (data / f"{log}.parquet").is_file() else []
    folder = data / log
    if folder.is_dir():
        found += sorted(f for f in folder.iterdir() if f.suffix == ".parquet" and not f.name.startswith("."))
    return found


def read_log(data: Path, log: str, required: bool) -> pd.DataFrame | None:
    files = files_of(data, log)
    if not files:
        if required:
            sys.exit(f"{data}: no {log} log")
        return None
    frames = []
    for f in files:
        present = set(pq.read_schema(f).names)
        wanted = [c for c in LOGS[log] if c in present]
        missing = [c for c, kind in LOGS[log].items() if kind.endswith("!") and c not in present]
        if missing:
            sys.exit(f"{f}: missing required column {missing[0]!r}")
        df = pd.read_parquet(f, columns=wanted)
        for c in LOGS[log]:
            if c not in df.columns:
                df[c] = pd.Series(pd.NA, index=df.index, dtype="str")
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def text(s: pd.Series) -> pd.Series:
    """The loader reads every value as text, trimmed; an empty value is missing."""
    if isinstance(s.dtype, pd.DatetimeTZDtype):  # a typed Parquet column carries its offset
        s = s.dt.tz_convert("UTC").dt.strftime("%Y-%m-%d %H:%M:%S.%f+00:00")
    elif pd.api.types.is_datetime64_dtype(s.dtype):  # a naive one does not (rejected)
        s = s.dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    s = s.astype("str").str.strip(WHITESPACE)
    return s.where(s != "")


def timestamps(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(UTC timestamps, bad): ISO 8601 with an offset; naive or unparseable is bad."""
    ok = s.str.fullmatch(TS_WITH_OFFSET).fillna(False).astype(bool)
    parsed = pd.to_datetime(s.where(ok), format="ISO8601", utc=True, errors="coerce")
    parsed = parsed.astype("datetime64[ns, UTC]").dt.floor("us")  # DuckDB keeps microseconds
    return parsed, s.notna() & parsed.isna()


def validate(df: pd.DataFrame, log: str) -> pd.DataFrame:
    """Normalise every column and drop the rows the loader would reject."""
    out = pd.DataFrame(index=df.index)
    bad = pd.Series(False, index=df.index)
    for col, kind in LOGS[log].items():
        s = text(df[col])
        kind, required = kind.rstrip("!"), kind.endswith("!")
        if required:
            bad |= s.isna()
        if kind in ("enum", "label"):
            s = s.str.lower()
        if kind == "enum":
            bad |= s.notna() & ~s.isin(ENUMS[(log, col)])
        elif kind == "timestamp":
            s, broken = timestamps(s)
            bad |= broken
        elif kind == "country":
            bad |= s.notna() & ~s.str.fullmatch("[A-Za-z]{2}").fillna(False).astype(bool)
            s = s.str.upper().replace({"UK": "GB", "EL": "GR"})
        elif kind == "integer":
            digits = s.str.fullmatch("[0-9]+").fillna(False).astype(bool)
            value = s.str.lstrip("0")
            fits = (value.str.len() < 19) | ((value.str.len() == 19) & (value <= BIGINT_MAX))
            bad |= s.notna() & ~(digits & fits.fillna(False).astype(bool))
        elif kind == "boolean":
            bad |= s.notna() & ~s.str.lower().isin(("true", "yes", "1", "false", "no", "0"))
        out[col] = s
    for (name, col), (other, values) in REQUIRED_WHEN.items():
        if name == log:
            bad |= out[col].isna() & out[other].isin(values)
    return out[~bad]


def consent_states(consent: pd.DataFrame) -> pd.DataFrame:
    """One row per user and connect/disconnect instant: the state from that instant on."""
    c = consent[consent["action"].isin(["connect", "disconnect"])]
    c = c.assign(
        any_disconnect=c["action"] == "disconnect",
        any_connect=c["action"] == "connect",
        linkedin_only=(c["action"] == "connect") & (c["scope"] == "linkedin_only"),
    )
    states = (
        c.groupby(["user_id", "occurred_at"], sort=True)[["any_disconnect", "any_connect", "linkedin_only"]]
        .any()
        .reset_index()
        .rename(columns={"occurred_at": "valid_from"})
    )
    states["ever_connected"] = states.groupby("user_id")["any_connect"].cummax()
    return states.sort_values("valid_from", kind="stable")


def run(data: Path) -> dict:
    access = validate(read_log(data, "access_events", True), "access_events")
    consent = validate(read_log(data, "consent_events", True), "consent_events")
    access = access.drop_duplicates(subset=ACCESS_KEY)
    consent = consent.drop_duplicates()
    others = {}
    for log in ("admin_events", "dsr_requests"):
        raw = read_log(data, log, False)
        others[log] = None if raw is None else validate(raw, log)

    moments = [access["occurred_at"].max(), consent["occurred_at"].max()]
    if others["admin_events"] is not None:
        moments.append(others["admin_events"]["occurred_at"].max())
    if others["dsr_requests"] is not None:
        moments.append(others["dsr_requests"]["received_at"].max())
    as_of = max(m for m in moments if not pd.isna(m))

    a = access[access["occurred_at"] <= as_of]
    findings: dict[str, pd.Series] = {}

    # Consent state at each access: the latest instant at or before it, per user.
    joined = pd.merge_asof(
        a.sort_values("occurred_at", kind="stable"),
        consent_states(consent),
        left_on="occurred_at",
        right_on="valid_from",
        by="user_id",
        direction="backward",
        allow_exact_matches=True,
    )
    ever = joined["ever_connected"].eq(True)
    disconnected = joined["any_disconnect"].eq(True)
    connected = joined["any_disconnect"].eq(False)
    findings["consent-before-access"] = joined.loc[~ever, "event_id"]
    findings["access-after-disconnect"] = joined.loc[ever & disconnected, "event_id"]
    findings["consent-scope"] = joined.loc[
        (joined["direction"] == "microsoft_to_linkedin") & connected & joined["linkedin_only"].eq(True), "event_id"
    ]

    copies = a[a["category"] != "contacts"]
    due = copies["session_end"] + GRACE
    purged = copies["purged_at"].where(copies["purged_at"] <= as_of)
    late = copies["session_end"].isna() | (purged.notna() & (purged > due)) | (purged.isna() & (due < as_of))
    findings["session-retention"] = copies.loc[late, "event_id"]

    src, dst, mech = a["source_region"], a["destination_region"], a["transfer_mechanism"]
    eu_us = (src.isin(EEA) & (dst == "US")) | ((src == "US") & dst.isin(EEA))
    invalid = mech.isna() | ~mech.isin(MECHANISMS) | ((mech == "dpf") & (a["occurred_at"] < DPF_FROM))
    findings["eu-us-transfer-tagged"] = a.loc[eu_us.fillna(False) & invalid.fillna(False), "event_id"]

    pairs = sorted({(control, e) for control, ids in findings.items() for e in ids})
    return {
        "as_of": as_of.isoformat().replace("+00:00", "Z"),
        "rows": {"access_events": len(access), "consent_events": len(consent)}
        | {log: (0 if df is None else len(df)) for log, df in others.items()},
        "counts": {control: sum(1 for c, _ in pairs if c == control) for control in CONTROLS},
        "findings": [list(p) for p in pairs],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="folder with the Parquet logs")
    parser.add_argument("--output", type=Path, help="write the JSON here instead of stdout")
    args = parser.parse_args()
    text_out = json.dumps(run(args.data), indent=1) + "\n"
    if args.output:
        args.output.write_text(text_out, encoding="utf-8")
    else:
        sys.stdout.write(text_out)


if __name__ == "__main__":
    main()
