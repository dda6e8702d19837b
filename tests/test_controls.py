"""Each control of controls.md with the smallest data that passes, fails, and sits on a boundary."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import write_input

from auditor.check import run_check, select_controls
from auditor.periods import month_period
from auditor.config import Config, Controls
from auditor.db import connect
from auditor.ingest import load

T = "2026-10-01T10:00:00Z"  # the moment most tests turn on
BEFORE = "2026-10-01T09:59:59Z"
AFTER = "2026-10-01T10:00:01Z"
LATER = "2026-10-20T00:00:00Z"


def access(event_id: str, at: str = T, **kw: object) -> dict:
    row = {"event_id": event_id, "occurred_at": at, "user_id": "u1", "direction": "linkedin_to_microsoft",
           "category": "profile", "session_id": f"s-{event_id}", "session_end": at, "purged_at": at,
           "source_region": "SE", "destination_region": "SE"}
    return {**row, **kw}


def consent(event_id: str, at: str, action: str = "connect", scope: str = "bidirectional", user: str = "u1") -> dict:
    return {"event_id": event_id, "occurred_at": at, "user_id": user, "action": action,
            "scope": scope if action == "connect" else ""}


def admin(event_id: str, at: str, action: str, role: str = "global_administrator", **kw: str) -> dict:
    return {"event_id": event_id, "occurred_at": at, "actor_id": "admin1", "actor_role": role, "action": action,
            "group_id": "", "target_user_id": "", **kw}


def request(request_id: str, received: str, completed: str = "", type_: str = "access", **kw: str) -> dict:
    return {"request_id": request_id, "user_id": "u1", "type": type_, "scope": "", "received_at": received,
            "extended": "", "completed_at": completed, **kw}


SETUP = [admin("e-enable", "2026-01-01T00:00:00Z", "enable_all"), admin("e-announce", "2026-01-01T00:00:00Z", "announce")]
CONNECTED = [consent("c-connect", "2026-09-01T00:00:00Z")]


def findings(tmp_path: Path, control: str, **logs: object) -> set[str]:
    """The event ids the control finds on these logs."""
    return set(reasons(tmp_path, control, **logs))


def reasons(tmp_path: Path, control: str, *, access_events=(), consent_events=CONNECTED, admin_events=SETUP,
            dsr_requests=None, users=None, as_of: str | None = None, config: Config | None = None,
            period: str | None = None) -> dict[str, str]:
    """The reason of each event id the control finds on these logs."""
    config = config or Config()
    logs = {"access_events": list(access_events), "consent_events": list(consent_events), "admin_events": list(admin_events)}
    if dsr_requests is not None:
        logs["dsr_requests"] = list(dsr_requests)
    if users is not None:
        logs["users"] = list(users)
    folder = write_input(tmp_path / "in", **logs)
    con = connect(":memory:", config)
    load(con, folder, config)
    moment = datetime.fromisoformat(as_of.replace("Z", "+00:00")) if as_of else None
    span = month_period(period, "UTC") if period else None
    result = run_check(con, config, select_controls((control,)), moment, span)
    assert result.results[0].status in ("pass", "fail"), result.results[0].detail
    found = dict(con.execute("SELECT event_id, reason FROM findings WHERE run_id = ? AND in_period", [result.run_id]).fetchall())
    con.close()
    return found


# consent-before-access --------------------------------------------------------------------------

def test_access_before_any_connect_is_a_finding(tmp_path):
    assert findings(tmp_path, "consent-before-access", access_events=[access("a1", BEFORE), access("a2", T)],
                    consent_events=[consent("c1", T)]) == {"a1"}


def test_access_by_a_user_with_only_disconnects_has_never_connected(tmp_path):
    assert findings(tmp_path, "consent-before-access", access_events=[access("a1", AFTER)],
                    consent_events=[consent("c1", T, "disconnect")]) == {"a1"}


# access-after-disconnect -------------------------------------------------------------------------

def test_access_at_the_instant_of_a_disconnect_is_a_finding_and_a_reconnect_ends_it(tmp_path):
    events = [consent("c1", "2026-09-01T00:00:00Z"), consent("c2", T, "disconnect"), consent("c3", LATER)]
    got = findings(tmp_path, "access-after-disconnect", consent_events=events,
                   access_events=[access("a0", BEFORE), access("a1", T), access("a2", AFTER), access("a3", LATER)])
    assert got == {"a1", "a2"}


def test_a_never_connected_user_is_not_an_access_after_disconnect(tmp_path):
    assert findings(tmp_path, "access-after-disconnect", access_events=[access("a1", AFTER)],
                    consent_events=[consent("c1", T, "disconnect")]) == set()


def test_connect_and_disconnect_at_one_instant_leave_the_user_disconnected(tmp_path):
    events = [consent("c1", "2026-09-01T00:00:00Z"), consent("c2", T, "disconnect"), consent("c3", T)]
    assert findings(tmp_path, "access-after-disconnect", consent_events=events, access_events=[access("a1", AFTER)]) == {"a1"}


# consent-scope -----------------------------------------------------------------------------------

def test_microsoft_data_flowing_under_linkedin_only_scope_is_a_finding(tmp_path):
    events = [consent("c1", "2026-09-01T00:00:00Z", scope="linkedin_only"), consent("c2", T)]  # re-connect widens
    got = findings(tmp_path, "consent-scope", consent_events=events, access_events=[
        access("a1", BEFORE, direction="microsoft_to_linkedin"), access("a2", BEFORE),
        access("a3", T, direction="microsoft_to_linkedin")])
    assert got == {"a1"}


def test_the_narrower_scope_wins_at_one_instant(tmp_path):
    events = [consent("c1", T, scope="bidirectional"), consent("c2", T, scope="linkedin_only")]
    assert findings(tmp_path, "consent-scope", consent_events=events,
                    access_events=[access("a1", AFTER, direction="microsoft_to_linkedin")]) == {"a1"}


# org-enablement ----------------------------------------------------------------------------------

GROUP = [admin("e1", "2026-01-01T00:00:00Z", "enable_group", group_id="g1"), admin("e-announce", "2026-01-01T00:00:00Z", "announce")]


def test_a_group_removal_before_an_access_is_a_finding(tmp_path):
    events = GROUP + [admin("e2", "2026-09-01T00:00:00Z", "group_add", group_id="g1", target_user_id="u1"),
                      admin("e3", T, "group_remove", group_id="g1", target_user_id="u1")]
    got = findings(tmp_path, "org-enablement", admin_events=events,
                   access_events=[access("a1", BEFORE), access("a2", T), access("a3", AFTER)])
    assert got == {"a2", "a3"}


def test_a_group_add_covers_an_access_at_its_instant(tmp_path):
    events = GROUP + [admin("e2", T, "group_add", group_id="g1", target_user_id="u1")]
    got = findings(tmp_path, "org-enablement", admin_events=events,
                   access_events=[access("a1", BEFORE), access("a2", T)], consent_events=[consent("c1", BEFORE)])
    assert got == {"a1", "c1"}


def test_disable_then_enable_all(tmp_path):
    events = SETUP + [admin("e2", T, "disable"), admin("e3", LATER, "enable_all")]
    assert findings(tmp_path, "org-enablement", admin_events=events,
                    access_events=[access("a1", BEFORE), access("a2", T), access("a3", LATER)]) == {"a2"}


def test_disable_wins_over_enable_at_one_instant_and_nothing_is_enabled_before_the_first_change(tmp_path):
    events = [admin("e1", T, "enable_all"), admin("e2", T, "disable"), admin("e3", LATER, "enable_all")]
    assert findings(tmp_path, "org-enablement", admin_events=events,
                    access_events=[access("a0", BEFORE), access("a1", AFTER), access("a2", LATER)]) == {"a0", "a1", "c-connect"}


def test_two_group_enablements_at_one_instant_enable_only_members_of_both(tmp_path):
    events = [admin("e1", T, "enable_group", group_id="g1"), admin("e2", T, "enable_group", group_id="g2"),
              admin("e3", T, "group_add", group_id="g1", target_user_id="u1"),
              admin("e4", T, "group_add", group_id="g1", target_user_id="u2"),
              admin("e5", T, "group_add", group_id="g2", target_user_id="u2")]
    got = findings(tmp_path, "org-enablement", admin_events=events, consent_events=[],
                   access_events=[access("a1", AFTER), access("a2", AFTER, user_id="u2")])
    assert got == {"a1"}


# admin-authority / announcement-before-consent ---------------------------------------------------

def test_admin_changes_by_other_roles_are_findings(tmp_path):
    events = SETUP + [admin("e2", T, "disable", role="User"), admin("e3", T, "enable_all", role="Global_Administrator")]
    assert findings(tmp_path, "admin-authority", admin_events=events) == {"e2"}
    config = Config(controls=Controls(admin_roles=["Global_Administrator"]))
    events.append(admin("e4", T, "announce", role="user_administrator"))
    assert findings(tmp_path / "2", "admin-authority", admin_events=events, config=config) == {"e2", "e4"}


def test_a_connect_before_the_announcement_is_a_finding(tmp_path):
    events = [admin("e1", "2026-01-01T00:00:00Z", "enable_all"), admin("e2", T, "announce")]
    got = findings(tmp_path, "announcement-before-consent", admin_events=events,
                   consent_events=[consent("c1", BEFORE), consent("c2", T, user="u2"), consent("c3", BEFORE, "disconnect")])
    assert got == {"c1"}


# allowed-categories / calendar-fields / first-degree-connections --------------------------------

def test_categories_not_allowed_for_their_direction(tmp_path):
    got = findings(tmp_path, "allowed-categories", access_events=[
        access("a1", category="calendar"), access("a2", category="contacts"),
        access("a3", category="contacts", direction="microsoft_to_linkedin"),
        access("a4", category="connections", direction="microsoft_to_linkedin", connection_degree="1")])
    assert got == {"a1", "a2", "a4"}


def test_calendar_fields_beyond_the_allowed_ones(tmp_path):
    cal = {"direction": "microsoft_to_linkedin", "category": "calendar"}
    got = findings(tmp_path, "calendar-fields", access_events=[
        access("a1", fields="start;end;Subject", **cal), access("a2", fields="START;Attendees", **cal),
        access("a3", fields="", **cal), access("a4", fields="agenda", category="profile")])
    assert got == {"a1"}


def test_connections_other_than_first_degree(tmp_path):
    conn = {"category": "connections"}
    got = findings(tmp_path, "first-degree-connections", access_events=[
        access("a1", connection_degree="2", **conn), access("a2", connection_degree="", **conn),
        access("a3", connection_degree="1", **conn), access("a4", connection_degree="3")])
    assert got == {"a1", "a2"}


# session-retention -------------------------------------------------------------------------------

def test_copies_must_be_purged_by_session_end_plus_grace(tmp_path):
    rows = [access("a1", purged_at=T), access("a2", purged_at=AFTER), access("a3", session_end=""),
            access("a4", purged_at=""), access("a5", purged_at="", category="contacts", direction="microsoft_to_linkedin"),
            access("a6", LATER, purged_at="")]  # ends exactly at as_of: not yet late
    assert findings(tmp_path, "session-retention", access_events=rows) == {"a2", "a3", "a4"}
    config = Config(controls=Controls(retention_grace_hours=1 / 3600))
    assert findings(tmp_path / "g", "session-retention", access_events=rows, config=config) == {"a3", "a4"}


def test_a_purge_after_as_of_has_not_happened_yet(tmp_path):
    rows = [access("a1", purged_at=LATER)]
    assert findings(tmp_path, "session-retention", access_events=rows, as_of="2026-10-10T00:00:00Z") == {"a1"}


# contacts-deletion -------------------------------------------------------------------------------

def contacts(event_id: str, at: str, purged: str) -> dict:
    return access(event_id, at, category="contacts", direction="microsoft_to_linkedin", purged_at=purged, session_end=at)


def test_contacts_must_go_within_the_erasure_deadline(tmp_path):
    erasure = [request("r1", "2026-10-01T00:00:00Z", "2026-10-02T00:00:00Z", "erasure", scope="contacts")]
    rows = [contacts("a1", "2026-09-01T00:00:00Z", "2026-10-31T00:00:00Z"),  # exactly at the deadline
            contacts("a2", "2026-09-01T00:00:00Z", "2026-10-31T00:00:01Z"),
            contacts("a3", "2026-09-01T00:00:00Z", ""),
            contacts("a4", "2026-10-01T00:00:01Z", "")]  # after the request: not covered by it
    got = findings(tmp_path, "contacts-deletion", access_events=rows, dsr_requests=erasure, as_of="2026-11-15T00:00:00Z")
    assert got == {"a2", "a3"}


def test_contacts_are_not_late_while_the_deadline_is_not_past(tmp_path):
    erasure = [request("r1", "2026-10-01T00:00:00Z", "", "erasure")]
    rows = [contacts("a1", "2026-09-01T00:00:00Z", "")]
    assert findings(tmp_path, "contacts-deletion", access_events=rows, dsr_requests=erasure, as_of="2026-10-31T00:00:00Z") == set()
    assert findings(tmp_path / "2", "contacts-deletion", access_events=rows, dsr_requests=erasure,
                    as_of="2026-10-31T00:00:01Z") == {"a1"}


# eu-us-transfer-tagged ---------------------------------------------------------------------------

def test_eea_us_transfers_need_a_valid_mechanism(tmp_path):
    rows = [access("a1", source_region="SE", destination_region="US"),
            access("a2", source_region="SE", destination_region="US", transfer_mechanism="SCC"),
            access("a3", source_region="EU", destination_region="US", transfer_mechanism="adequacy"),
            access("a4", source_region="US", destination_region="DE", transfer_mechanism="magic"),
            access("a5", source_region="SE", destination_region="GB"),
            access("a6", source_region="NO", destination_region="US", transfer_mechanism="bcr"),
            access("a7", "2023-07-09T23:59:59Z", source_region="SE", destination_region="US", transfer_mechanism="dpf"),
            access("a8", "2023-07-10T00:00:00Z", source_region="SE", destination_region="US", transfer_mechanism="dpf")]
    assert findings(tmp_path, "eu-us-transfer-tagged", access_events=rows,
                    consent_events=[consent("c1", "2020-01-01T00:00:00Z")]) == {"a1", "a3", "a4", "a7"}


# profile-visibility ------------------------------------------------------------------------------

def test_a_hidden_profile_shown_to_someone_else_is_a_finding(tmp_path):
    events = CONNECTED + [consent("v1", T, "hide_profile"), consent("v2", T, "show_profile"), consent("v3", LATER, "show_profile")]
    rows = [access("a1", BEFORE, viewer_id="u2"), access("a2", T, viewer_id="u2"), access("a3", AFTER, viewer_id="u1"),
            access("a4", AFTER, viewer_id=""), access("a5", LATER, viewer_id="u2"), access("a6", AFTER, viewer_id="u3", category="interests")]
    assert findings(tmp_path, "profile-visibility", access_events=rows, consent_events=events) == {"a2"}


# dsr-deadline ------------------------------------------------------------------------------------

def test_requests_are_answered_within_one_calendar_month_clamped(tmp_path):
    reqs = [request("r1", "2026-01-31T10:00:00Z", "2026-02-28T10:00:00Z"),  # last instant: in time
            request("r2", "2026-01-31T10:00:00Z", "2026-02-28T10:00:01Z"),
            request("r3", "2026-01-31T10:00:00Z", "2026-04-30T10:00:00Z", extended="true"),
            request("r4", "2026-08-31T10:00:00Z", ""),  # deadline 2026-09-30 10:00, still open
            request("r5", "2026-09-15T00:00:00Z", "")]  # deadline after as_of
    got = findings(tmp_path, "dsr-deadline", dsr_requests=reqs, as_of="2026-10-01T00:00:00Z")
    assert got == {"r2", "r4"}


def test_an_open_request_is_not_late_when_its_deadline_is_as_of(tmp_path):
    reqs = [request("r1", "2026-08-31T10:00:00Z", "2026-10-05T00:00:00Z")]  # completed after as_of: open then
    assert findings(tmp_path, "dsr-deadline", dsr_requests=reqs, as_of="2026-09-30T10:00:00Z") == set()
    assert findings(tmp_path / "2", "dsr-deadline", dsr_requests=reqs, as_of="2026-09-30T10:00:01Z") == {"r1"}


def test_a_finding_belongs_to_the_month_it_arose_in(tmp_path):
    reqs = [request("r1", "2026-09-10T00:00:00Z", "2026-10-20T00:00:00Z")]  # late on 2026-10-10
    assert findings(tmp_path, "dsr-deadline", dsr_requests=reqs, period="2026-09") == set()
    assert findings(tmp_path / "2", "dsr-deadline", dsr_requests=reqs, period="2026-10") == {"r1"}
    assert findings(tmp_path / "3", "dsr-deadline", dsr_requests=reqs, period="2026-11") == set()


# log-integrity -----------------------------------------------------------------------------------

def test_evidence_that_cannot_be_trusted(tmp_path):
    rows = [access("a1"), access("a1", app="teams"), access("a1", app="outlook"),  # one id, three versions: once
            access("a2", session_end=BEFORE, purged_at=BEFORE), access("a3", user_id="ghost"),
            access("a4", destination_region=""), access("a5", LATER), access("a6")]
    users = [{"user_id": "u1"}]
    got = findings(tmp_path, "log-integrity", access_events=rows, users=users, as_of="2026-10-10T00:00:00Z")
    assert got == {"a1", "a2", "a3", "a4", "a5"}
    assert "a3" not in findings(tmp_path / "2", "log-integrity", access_events=rows, as_of="2026-10-10T00:00:00Z")


def test_each_problem_of_a_row_is_named_in_its_reason_and_no_other(tmp_path):
    rows = [access("ended", session_end=BEFORE, purged_at=BEFORE), access("ghost", user_id="ghost"),
            access("no-region", source_region=""), access("later", LATER),
            access("all", LATER, user_id="ghost", session_end=T, purged_at=LATER, destination_region="")]
    got = reasons(tmp_path, "log-integrity", access_events=rows, users=[{"user_id": "u1"}], as_of="2026-10-10T00:00:00Z")
    problems = {"ended": "ended at", "ghost": "not in the users directory", "no-region": "has no recorded",
                "later": "after the audit moment"}
    for event_id, words in problems.items():
        assert [w for w in problems.values() if w in got[event_id]] == [words], got[event_id]
    assert all(w in got["all"] for w in ("ended at", "not in the users directory", "no recorded destination region",
                                         "after the audit moment")), got["all"]


def test_a_user_id_with_quotes_and_sql_is_data(tmp_path):
    nasty = "x' OR '1'='1'); DROP TABLE findings; --"
    got = findings(tmp_path, "consent-before-access", access_events=[access("a1", user_id=nasty)])
    assert got == {"a1"}


def test_a_control_id_matches_its_file_and_every_header_is_complete():
    controls = select_controls()
    assert len(controls) == 15
    assert {c.severity for c in controls} <= {"high", "medium", "low"}
    assert all(c.sql.count("$as_of") for c in controls)


@pytest.mark.parametrize("control", [c.id for c in select_controls()])
def test_every_control_passes_on_clean_data(tmp_path, control):
    rows = [access("a1"), access("a2", direction="microsoft_to_linkedin", category="calendar", fields="start;end")]
    reqs = [request("r1", "2026-09-01T00:00:00Z", "2026-09-02T00:00:00Z")]
    assert findings(tmp_path, control, access_events=rows, dsr_requests=reqs, users=[{"user_id": "u1"}]) == set()


def test_not_evaluated_without_the_log_it_needs(tmp_path):
    folder = write_input(tmp_path)
    con = connect(":memory:", Config())
    load(con, folder, Config())
    result = run_check(con, Config(), select_controls(("dsr-deadline", "org-enablement")), datetime(2026, 11, 1, tzinfo=timezone.utc))
    assert [(r.status, r.reason) for r in result.results] == [("not_evaluated", "no dsr_requests loaded"),
                                                              ("not_evaluated", "no admin_events loaded")]
