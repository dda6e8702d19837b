"""Generate a realistic organisation's logs with known planted violations and their answer key.

``generate()`` writes the five canonical logs (``users``, ``admin_events``, ``consent_events``,
``access_events``, ``dsr_requests``) in CSV, JSONL or Parquet, plus two answer keys, always CSV:

* ``expected_findings.csv`` (``control,event_id``): exactly the (control, row id) pairs that a
  correct implementation of the control catalogue (``auditor controls``) reports with the default configuration and the
  default as_of; for ``dsr-deadline`` the ``request_id`` is in ``event_id``.
* ``expected_rejections.csv`` (``file,line,rule``): the malformed rows the loader must reject.

The background (about 28 access events per user and month) is generated set-wise in DuckDB
with hash-based pseudo-randomness, so the output is byte-identical for one seed (and one DuckDB
version), and it is clean: it breaks no control. The planted rows below are a fixed set of
hand-written rows on their own users (``pu-*``; ids ``p-*``), the same whatever the size, so they
cannot disturb, or be disturbed by, the background; only the organisation-wide admin events are
shared. Background ids are random-looking (``ae-``, ``ce-``, ``ad-`` + 12 hex digits,
``DSR-YYYY-NNNNN``, directory GUIDs). Files are sorted by occurred_at / received_at (users by
user_id), so every line number is known when the keys are written.

Time line (UTC). T0 = first instant of ``start``; P(d, t) = T0 + d days at time t (00:00 when
omitted); TA = P(14, 09:00:00), when the integration is enabled for all; A(d, t) = P(14 + d, t),
d days after the enable-all day (10:00 when omitted). The logs end at AS = day 28 of the last
month at 12:00:00 (2026-10-28T12:00:00Z by default), and one planted access event
(``p-anchor``) is dated exactly AS, so the default as_of (the latest occurred_at / received_at
of the loaded logs) is AS; background activity, sessions included, ends 2 h before. Shared admin
events (background, fixed): ``disable`` at P(0, 07:00), ``enable_group`` of the pilot group G
(a GUID) at P(0, 08:00), ``announce`` at P(0, 08:30), a second ``announce`` at TA - 2 h,
``enable_all`` at TA. Background pilot users are group_add-ed to G from P(0, 09:00) on and
connect an hour or more later; a few are removed from G and only connect after TA; everyone else
connects after TA. ``months`` must be >= 3 so every planted case fits before AS.

Planted cases (F = in the answer key, - = deliberately not a finding). Unless said otherwise a
user connects ``bidirectional`` at A(1, 09:00) (after the announce, while enabled for all),
accesses are linkedin_to_microsoft ``profile`` from IE to SE (microsoft_to_linkedin: SE to IE),
both regions EEA so no transfer mechanism is needed, with a 30-minute session and the copy
purged exactly at session_end.

======================  =============================================================  ==
control                 planted row(s) and why                                          F?
======================  =============================================================  ==
announcement-before-    p-ann-1 connect P(0,08:10), p-ann-2 P(0,08:20), p-ann-3         F
  consent               P(0,08:29:59): before the first announce P(0,08:30). Users
                        were group_add-ed to G at P(0,08:05), so they are enabled.
                        p-ann-4 connect at exactly P(0,08:30:00): covered (tie).         -
org-enablement          p-oe-1 connect P(2) of a user in no group (pilot phase).        F
                        p-oe-2 access P(3) of that user (connected, not enabled).       F
                        p-oe-ok-1 access A(1) by the same user: enable_all covers it.   -
                        p-oe-3 access at exactly the group_remove p-oe-rm-3 P(5,12:00)  F
                        (tie: a group_remove does not cover its instant); p-oe-ok-3
                        access P(4) while still a member.                               -
                        p-oe-4 connect P(2,09:00) after a group_add to ANOTHER group.   F
                        p-oe-5 connect P(2,11:00) after group_add and group_remove of   F
                        G at the same instant P(2,10:00) (remove wins).
                        p-oe-ok-6 connect and p-oe-ok-6a access at the exact instant    -
                        of the user's group_add P(3,10:00) (covered).
                        p-oe-ok-7 connect and p-oe-ok-7a access at exactly TA           -
                        (enable_all covers its instant).
                        p-cba-4 (see below) is also org-enablement.                     F
consent-before-access   p-cba-1 access A(3) by a user who never connects.               F
                        p-cba-2 access A(2) after a disconnect A(1) with no connect     F
                        before it (never connected: NOT access-after-disconnect);
                        connect A(5), p-cba-ok-2 access A(6).                           -
                        p-cba-3 access A(4,09:59:59), one second before the connect    F
                        A(4,10:00:00) (written 12:00:00+02:00); p-cba-ok-3 access at    -
                        the exact instant of the connect.
                        p-cba-4 access P(4) by a never-connected user outside G in the  F
                        pilot phase: consent-before-access AND org-enablement.
access-after-disconnect p-aad-1 access at exactly the disconnect A(10,12:00:00)         F
                        (written 14:00:00+02:00); p-aad-2 access A(12) between the      F
                        disconnect and the reconnect A(15); p-aad-ok-1 A(9) before,     -
                        p-aad-ok-2 A(16) after the reconnect.                           -
                        p-aad-3 access 1 h after a connect and a disconnect at the      F
                        same instant (disconnect wins; there is a connect at or before
                        the disconnect).
                        p-aad-4 access A(20), 17 days after a disconnect.               F
consent-scope           p-cs-1 microsoft_to_linkedin calendar of a linkedin_only user.  F
                        p-cs-2 m2l at exactly a scope change to linkedin_only           F
                        A(5,10:00:00); p-cs-ok-2 one second before it.                  -
                        p-cs-3 m2l after a bidirectional and a linkedin_only connect    F
                        at the same instant (linkedin_only wins).
                        p-cs-4 m2l after disconnect and reconnect with linkedin_only;   F
                        p-cs-ok-4 m2l before the disconnect (bidirectional).            -
                        p-cs-ok-5 m2l contacts at the exact instant of an upgrade to    -
                        bidirectional.
allowed-categories      p-ac-1 l2m calendar, p-ac-2 l2m contacts, p-ac-3 m2l            F
                        connections. p-ac-ok-1 direction ``Microsoft_To_LinkedIn``,     -
                        category ``Calendar`` (enums compare case-insensitively).
calendar-fields         p-cf-1 start;end;subject, p-cf-2 start;end;attendees;agenda,    F
                        p-cf-3 body. p-cf-ok-1 empty fields; p-cf-ok-2                  -
                        ``Start;END;Location;`` (case-insensitive, empty item ignored).
first-degree-           p-fd-1 degree 2, p-fd-2 degree 3, p-fd-3 degree empty.          F
  connections           p-fd-ok-1 degree 1.                                             -
session-retention       p-sr-1 purged at session_end + 1 s; p-sr-2 never purged,        F
                        session ended long before AS; p-sr-3 session_end empty;
                        p-sr-4 purged 3 d 2 h after session_end.
                        p-sr-ok-1 purged exactly at session_end (written with           -
                        fractional seconds); p-sr-ok-2 not purged, session_end = AS
                        (not before as_of); p-sr-ok-3 contacts, no session_end, not
                        purged (contacts are exempt).
contacts-deletion       User pu-ck-1, erasure p-ck-req-1 (scope contacts) at            F
                        A(5,10:00:00), deadline A(35,10:00:00): p-ck-1 contacts A(2)
                        never purged; p-ck-2 purged deadline + 1 s; p-ck-3 contacts at
                        the exact instant of the request, never purged.
                        p-ck-ok-1 purged exactly at the deadline; p-ck-ok-2 contacts    -
                        after the request (no erasure at or after it).
                        p-ck-4 (pu-ck-2, erasure with empty scope = all, A(8)) purged   F
                        40 days after the request.
                        p-ck-5 (pu-ck-5, erasures A(5) and A(20)) purged A(45): late    F
                        against the earliest request at or after it (deadline A(35));
                        p-ck-ok-5 contacts A(10) purged A(45): judged against the A(20) -
                        request (deadline A(50)), in time.
                        p-ck-ok-3: erasure AS - 10 d, deadline after AS (not yet);      -
                        p-ck-ok-4: only an ``access`` request, no erasure.              -
eu-us-transfer-tagged   p-eu-1 US->SE no mechanism; p-eu-2 DE->US ``adequacy``;         F
                        p-eu-3 ``EU``->US ``privacy_shield``; p-eu-4 US->NO
                        ``derogation`` (valid enum, not in the configured list).
                        Only if the range covers it: p-eu-5 ``dpf`` at                  F
                        2023-07-09T23:59:59Z; p-eu-ok-7 ``dpf`` at 2023-07-10T00:00:00Z. -
                        p-eu-ok-1 US->NO ``SCC``; p-eu-ok-2 US->``UK`` (= GB, not EEA)  -
                        empty; p-eu-ok-3 CH->US empty; p-eu-ok-4 US->US empty;
                        p-eu-ok-5 ``se``->``us`` ``Dpf`` (``Bcr`` before 2023-07-10);
                        p-eu-ok-6 ``EU``->IE empty.
profile-visibility      p-pv-1 profile seen by another user after hide_profile;         F
                        p-pv-2 after hide and show at the same instant (hide wins);
                        p-pv-3 hidden before the user ever connected; p-pv-4 seen at
                        the exact instant of the hide.
                        p-pv-ok-1 viewer = the user; p-pv-ok-2 viewer empty;            -
                        p-pv-ok-3 at the exact instant of show_profile; p-pv-ok-4
                        ``interests`` (not profile) while hidden; p-pv-ok-5 before
                        the hide.
dsr-deadline            D31 = the first 31st in range followed by a shorter month       F
                        (2026-08-31 by default; else day 28 of the first month).
                        p-dd-1 received D31 11:00:00, completed one second after the
                        clamped deadline; p-dd-ok-1 received D31 10:00:00, completed    -
                        exactly at it (2026-09-30T10:00:00Z).
                        p-dd-2 open, deadline one second before AS;                     F
                        p-dd-ok-2 open, deadline exactly AS.                            -
                        p-dd-3 completed 45 days after receipt (not extended);          F
                        p-dd-4 open since P(20).                                        F
                        p-dd-ok-3 extended ``Yes``, completed after 50 days;            -
                        p-dd-ok-4 extended ``true``, open, received AS - 2 months.      -
admin-authority         p-aa-1 group_add by role ``user``; p-aa-2 announce by           F
                        ``helpdesk_administrator``; p-aa-3 enable_all (harmless, after
                        TA) by ``security_reader``. p-aa-ok-1 group_remove by           -
                        ``Global_Administrator`` (roles compare case-insensitively).
log-integrity           p-li-1 access id twice with different ``app``; p-li-2 connect   F
                        id twice with different notice_version; p-li-3 request id twice
                        with different completed_at (all versions otherwise clean);
                        p-li-4 contacts, p-li-5 profile: session_end before occurred_at;
                        p-li-6 connect, p-li-7 access by pu-ghost-1 and p-li-8 request
                        by pu-ghost-2, users absent from ``users``; p-li-9
                        destination_region empty; p-li-10 source_region empty.
                        p-dup-1: an exact duplicate access row (skipped, no finding).    -
======================  =============================================================  ==

Timestamp spellings: background rows use ``Z`` (about 1-2 % ``+02:00``); planted rows use ``Z``
except p-cba-con-3 and p-aad-dis-1 (``+02:00``, on tie boundaries), p-ac-ok-1 (``+02``),
p-fd-ok-1 (``+0200``), p-eu-ok-1 (space instead of ``T``) and the purged_at of p-sr-ok-1
(fractional seconds, on a boundary).

Malformed rows (each breaks one rule; ``expected_rejections.csv`` gives file, line and rule):
p-bad-1 access with empty event_id (missing_value); p-bad-2 consent with user_id of blanks
(missing_value); p-bad-3 occurred_at ``yesterday`` and p-bad-4 ``YYYY-02-30T10:00:00Z``
(bad_timestamp); p-bad-5 occurred_at without offset (naive_timestamp); p-bad-6 direction
``sideways`` and p-bad-7 request type ``deletion`` (bad_enum); p-bad-8 connection_degree ``2nd``
and p-bad-9 ``1.5`` (bad_integer); p-bad-10 source_region ``Sweden`` and users row pu-bad-11
country ``S1`` (bad_country); p-bad-12 extended ``maybe`` (bad_boolean); a second users row
for pu-cba-1 with another display name (duplicate_user; the first row is loaded).
"""

from __future__ import annotations

import csv
import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from auditor.resources import sql
from auditor.schema import LOGS

FORMATS: dict[str, str] = {"csv": "csv", "jsonl": "jsonl", "parquet": "parquet"}

# The columns of each log, in the contract's order (auditor/schema.py).
COLUMNS: dict[str, tuple[str, ...]] = {log.name: log.column_names for log in LOGS}
LIST_COLUMNS = {c.name for log in LOGS for c in log.columns if c.kind == "list"}
REJECTION_RULES = (
    "missing_value", "bad_timestamp", "naive_timestamp", "bad_enum", "bad_integer",
    "bad_country", "bad_boolean", "duplicate_user",
)

_DAY = 86400
_HOUR = 3600
_MAX_SESSION = 7200  # sessions last 5 min to 2 h
# Sessions per user per connected day (x3.5 events per session); tuned so that users=30000,
# months=12 gives about 10 million access events.
_SESSION_RATE = 0.39
_EEA = (
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "EU",
)
_DPF_FROM = datetime(2023, 7, 10, tzinfo=timezone.utc)
_L2M = "linkedin_to_microsoft"
_M2L = "microsoft_to_linkedin"
_FIRST = (
    "Anna", "Erik", "Lars", "Karin", "Åsa", "Björn", "Maria", "Johan", "Sofia", "Lena", "Jörg",
    "Hélène", "Pierre", "Marta", "Lukas", "Emma", "Noah", "Olivia", "Liam", "Ava", "Ingrid",
    "Mikael", "Sanna", "Matteo", "Giulia", "Pablo", "Lucía", "Jan", "Agnieszka", "Tomasz",
    "Sean", "Aoife", "Niels", "Freja", "Emily", "James", "Priya", "Wei", "Fatima", "Ömer",
)
_LAST = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Lindqvist", "Bergström",
    "Öberg", "Müller", "Schmidt", "Schäfer", "Dubois", "Lefèvre", "Rossi", "Bianchi", "García",
    "Fernández", "Kowalski", "Nowak", "Murphy", "O'Brien", "Jensen", "Nielsen", "Virtanen",
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Patel", "Chen",
    "Wang", "Kim", "Nguyen", "Silva", "Costa", "de Vries", "Janssen",
)


@dataclass(frozen=True)
class Timeline:
    """Key instants of the generated organisation, as UTC epoch seconds."""

    t0: int  # first instant of the start month
    ta: int  # enable_all: P(14, 09:00)
    as_of: int  # day 28 of the last month, 12:00; the latest dated row
    b_end: int  # background activity (sessions included) ends before this
    months: int

    def p(self, days: int, hms: str = "00:00:00") -> int:
        """T0 + days at the given time of day."""
        h, m, s = (int(x) for x in hms.split(":"))
        return self.t0 + days * _DAY + h * _HOUR + m * 60 + s

    def a(self, days: int, hms: str = "10:00:00") -> int:
        """``days`` after the enable-all day, at the given time of day."""
        return self.p(14 + days, hms)


def _utc(sec: int) -> datetime:
    return datetime.fromtimestamp(sec, tz=timezone.utc)


def _sec(dt: datetime) -> int:
    return int(dt.timestamp())


def add_months(dt: datetime, n: int) -> datetime:
    """Add calendar months, clamping to the month's last day (2026-08-31 + 1 = 2026-09-30)."""
    y, m = divmod(dt.month - 1 + n, 12)
    year, month = dt.year + y, m + 1
    nxt = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=dt.tzinfo)
    last = (nxt - timedelta(days=1)).day
    return dt.replace(year=year, month=month, day=min(dt.day, last))


def _timeline(start: str, months: int) -> Timeline:
    try:
        year, month = (int(x) for x in start.split("-"))
        t0 = datetime(year, month, 1, tzinfo=timezone.utc)
    except ValueError as exc:
        raise ValueError(f"start must be YYYY-MM, got {start!r}") from exc
    last_month = add_months(t0, months - 1)
    as_of = last_month + timedelta(days=27, hours=12)
    t0s = _sec(t0)
    return Timeline(
        t0=t0s, ta=t0s + 14 * _DAY + 9 * _HOUR, as_of=_sec(as_of),
        b_end=_sec(as_of) - 2 * _HOUR, months=months,
    )


def fmt_ts(sec: int, style: str = "Z") -> str:
    """Format epoch seconds as ISO 8601 in one of the accepted spellings."""
    dt = _utc(sec)
    if style == "Z":
        return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == "frac":
        return dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if style == "space":
        return dt.strftime("%Y-%m-%d %H:%M:%SZ")
    if style == "naive":
        return dt.strftime("%Y-%m-%d %H:%M:%S")
    suffix = {"+02:00": "+02:00", "+0200": "+0200", "+02": "+02"}[style]
    return (dt + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S") + suffix


# --------------------------------------------------------------------------------------------
# Planted rows
# --------------------------------------------------------------------------------------------

class _Planted:
    """The fixed set of hand-written rows, with the findings and rejections they imply."""

    ADMIN = "pu-it-admin"

    def __init__(self, tl: Timeline, group: str, other_group: str) -> None:
        self.tl = tl
        self.group = group
        self.other_group = other_group
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in COLUMNS}
        self._seq = 0

    def _add(self, log: str, sec: int, values: dict[str, Any], find: tuple[str, ...] = (),
             reject: str | None = None) -> None:
        self._seq += 1
        row = {c: values.get(c) for c in COLUMNS[log]}
        row["_sec"] = sec
        row["_k"] = -(10**12) + self._seq
        row["_find"] = ",".join(find) if find else None
        row["_reject"] = reject
        self.rows[log].append(row)

    def user(self, uid: str, name: str, country: str | None = "SE", reject: str | None = None,
             email: str | None = None) -> None:
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        mail = email or ascii_name.lower().replace(" ", ".") + "@contoso.com"
        self._add("users", 0, {"user_id": uid, "email": mail, "display_name": name,
                               "country": country}, reject=reject)

    def admin(self, eid: str, t: int, action: str, target: str | None = None,
              group: str | None = None, actor: str = ADMIN, role: str = "global_administrator",
              find: tuple[str, ...] = ()) -> None:
        if group is None and action in ("group_add", "group_remove", "enable_group"):
            group = self.group
        self._add("admin_events", t, {
            "event_id": eid, "occurred_at": fmt_ts(t), "actor_id": actor, "actor_role": role,
            "action": action, "group_id": group, "target_user_id": target}, find)

    def consent(self, eid: str | None, t: int, user: str | None, action: str,
                scope: str | None = None, surface: str | None = None,
                notice: str | None = "lac-notice-1.1", style: str = "Z",
                find: tuple[str, ...] = (), raw_time: str | None = None,
                reject: str | None = None) -> None:
        if action == "connect" and scope is None:
            scope = "bidirectional"
        if surface is None:
            surface = {"connect": "outlook", "disconnect": "account_settings"}.get(action,
                                                                                 "linkedin")
        self._add("consent_events", t, {
            "event_id": eid, "occurred_at": raw_time or fmt_ts(t, style), "user_id": user,
            "action": action, "scope": scope, "surface": surface,
            "notice_version": notice if action == "connect" else None}, find, reject)

    def connect(self, eid: str, user: str, t: int | None = None, scope: str = "bidirectional",
                **kw: Any) -> None:
        self.consent(eid, self.tl.a(1, "09:00:00") if t is None else t, user, "connect",
                     scope=scope, **kw)

    def access(self, eid: str | None, t: int, user: str, direction: str = _L2M,
               category: str = "profile", fields: Any = "default", degree: Any = "default",
               app: str | None = None, viewer: str | None = None, session_end: Any = "default",
               purged: Any = "default", src: Any = "default", dst: Any = "default",
               mechanism: str | None = None, style: str = "Z", purged_style: str = "Z",
               find: tuple[str, ...] = (), reject: str | None = None,
               raw: dict[str, str] | None = None) -> None:
        m2l = direction.lower() == _M2L
        if fields == "default":
            fields = {
                (_L2M, "profile"): ["name", "headline", "photo"],
                (_L2M, "connections"): ["connection_id", "name"],
                (_L2M, "interests"): ["topics"],
                (_L2M, "subscriptions"): ["newsletters"],
                (_M2L, "profile"): ["name", "email", "manager"],
                (_M2L, "calendar"): ["start", "end", "location"],
                (_M2L, "contacts"): ["name", "email"],
                (_M2L, "interests"): ["bing_topics"],
                (_M2L, "subscriptions"): ["microsoft_365_plan"],
            }.get((direction.lower(), category.lower()), ["name"])
        if degree == "default":
            degree = "1" if not m2l and category == "connections" else None
        se = t + 1800 if session_end == "default" else session_end
        pg = se if purged == "default" else purged
        values = {
            "event_id": eid, "occurred_at": fmt_ts(t, style), "user_id": user,
            "direction": direction, "category": category, "fields": fields,
            "connection_degree": degree, "app": app or ("linkedin" if m2l else "outlook"),
            "viewer_id": viewer, "session_id": f"ps-{eid or 'blank'}",
            "session_end": None if se is None else fmt_ts(se, style),
            "purged_at": None if pg is None else fmt_ts(pg, purged_style),
            "source_region": ("SE" if m2l else "IE") if src == "default" else src,
            "destination_region": ("IE" if m2l else "SE") if dst == "default" else dst,
            "transfer_mechanism": mechanism,
        }
        values.update(raw or {})
        self._add("access_events", t, values, find, reject)

    def request(self, rid: str, user: str, rtype: str, received: int,
                completed: int | None = None, scope: str | None = None,
                extended: str | None = None, find: tuple[str, ...] = (),
                reject: str | None = None) -> None:
        self._add("dsr_requests", received, {
            "request_id": rid, "user_id": user, "type": rtype, "scope": scope,
            "received_at": fmt_ts(received), "extended": extended,
            "completed_at": None if completed is None else fmt_ts(completed)}, find, reject)


def _d31(tl: Timeline) -> datetime:
    """The first 31st in range whose next month is shorter and whose deadline is before AS."""
    t0 = _utc(tl.t0)
    as_of = _utc(tl.as_of)
    for k in range(tl.months):
        m = add_months(t0, k)
        if m.month in (1, 3, 5, 8, 10):
            day = m.replace(day=31)
            if add_months(day, 1) + timedelta(days=1) < as_of:
                return day
    return t0.replace(day=28)


def _plant(tl: Timeline, group: str, other_group: str) -> _Planted:  # noqa: PLR0915
    """Write every planted case; see the module docstring for the table."""
    pl = _Planted(tl, group, other_group)
    P, A, AS, TA = tl.p, tl.a, tl.as_of, tl.ta
    OBA, CB, AAD, CS = ("announcement-before-consent",), ("consent-before-access",), \
        ("access-after-disconnect",), ("consent-scope",)
    OE, AC, CF, FD = ("org-enablement",), ("allowed-categories",), ("calendar-fields",), \
        ("first-degree-connections",)
    SR, CK, EU, PV = ("session-retention",), ("contacts-deletion",), \
        ("eu-us-transfer-tagged",), ("profile-visibility",)
    DD, AA, LI = ("dsr-deadline",), ("admin-authority",), ("log-integrity",)
    add, rm = "group_add", "group_remove"

    # announcement-before-consent (pilot phase; the first announce is at P(0, 08:30)).
    for n, (hms, scope, f) in enumerate((("08:10:00", "bidirectional", OBA),
                                         ("08:20:00", "linkedin_only", OBA),
                                         ("08:29:59", "bidirectional", OBA),
                                         ("08:30:00", "bidirectional", ())), start=1):
        pl.admin(f"p-ann-add-{n}", P(0, "08:05:00"), add, target=f"pu-ann-{n}")
        pl.connect(f"p-ann-{n}", f"pu-ann-{n}", P(0, hms), scope=scope, find=f,
                   notice="lac-notice-1.0")

    # org-enablement.
    pl.connect("p-oe-1", "pu-oe-1", P(2), find=OE, notice="lac-notice-1.0")
    pl.access("p-oe-2", P(3), "pu-oe-1", find=OE)
    pl.access("p-oe-ok-1", A(1), "pu-oe-1")
    pl.admin("p-oe-add-3", P(1, "09:00:00"), add, target="pu-oe-3")
    pl.connect("p-oe-con-3", "pu-oe-3", P(1, "10:00:00"), notice="lac-notice-1.0")
    pl.access("p-oe-ok-3", P(4), "pu-oe-3", app="teams")
    pl.admin("p-oe-rm-3", P(5, "12:00:00"), rm, target="pu-oe-3")
    pl.access("p-oe-3", P(5, "12:00:00"), "pu-oe-3", find=OE)
    pl.admin("p-oe-add-4", P(1, "09:00:00"), add, target="pu-oe-4", group=other_group)
    pl.connect("p-oe-4", "pu-oe-4", P(2, "09:00:00"), find=OE, notice="lac-notice-1.0")
    pl.admin("p-oe-add-5", P(2, "10:00:00"), add, target="pu-oe-5")
    pl.admin("p-oe-rm-5", P(2, "10:00:00"), rm, target="pu-oe-5")
    pl.connect("p-oe-5", "pu-oe-5", P(2, "11:00:00"), find=OE, notice="lac-notice-1.0")
    pl.admin("p-oe-add-6", P(3, "10:00:00"), add, target="pu-oe-6")
    pl.connect("p-oe-ok-6", "pu-oe-6", P(3, "10:00:00"), notice="lac-notice-1.0")
    pl.access("p-oe-ok-6a", P(3, "10:00:00"), "pu-oe-6", category="interests")
    pl.connect("p-oe-ok-7", "pu-oe-7", TA)
    pl.access("p-oe-ok-7a", TA, "pu-oe-7", app="sharepoint")

    # consent-before-access.
    pl.access("p-cba-1", A(3), "pu-cba-1", find=CB)
    pl.consent("p-cba-dis-2", A(1), "pu-cba-2", "disconnect")
    pl.access("p-cba-2", A(2), "pu-cba-2", find=CB)
    pl.connect("p-cba-con-2", "pu-cba-2", A(5))
    pl.access("p-cba-ok-2", A(6), "pu-cba-2")
    pl.connect("p-cba-con-3", "pu-cba-3", A(4, "10:00:00"), style="+02:00", surface="onedrive")
    pl.access("p-cba-3", A(4, "09:59:59"), "pu-cba-3", app="onedrive", find=CB)
    pl.access("p-cba-ok-3", A(4, "10:00:00"), "pu-cba-3", app="onedrive")
    pl.access("p-cba-4", P(4), "pu-cba-4", find=CB + OE)

    # access-after-disconnect.
    pl.connect("p-aad-con-1", "pu-aad-1", A(1, "10:00:00"))
    pl.access("p-aad-ok-1", A(9), "pu-aad-1")
    pl.consent("p-aad-dis-1", A(10, "12:00:00"), "pu-aad-1", "disconnect", style="+02:00")
    pl.access("p-aad-1", A(10, "12:00:00"), "pu-aad-1", find=AAD)
    pl.access("p-aad-2", A(12), "pu-aad-1", find=AAD)
    pl.connect("p-aad-con2-1", "pu-aad-1", A(15))
    pl.access("p-aad-ok-2", A(16), "pu-aad-1")
    pl.connect("p-aad-con-3", "pu-aad-3", A(2, "10:00:00"))
    pl.consent("p-aad-dis-3", A(2, "10:00:00"), "pu-aad-3", "disconnect")
    pl.access("p-aad-3", A(2, "11:00:00"), "pu-aad-3", find=AAD)
    pl.connect("p-aad-con-4", "pu-aad-4", A(1))
    pl.consent("p-aad-dis-4", A(3), "pu-aad-4", "disconnect", surface="linkedin")
    pl.access("p-aad-4", A(20), "pu-aad-4", find=AAD)

    # consent-scope.
    pl.connect("p-cs-con-1", "pu-cs-1", scope="linkedin_only")
    pl.access("p-cs-1", A(2), "pu-cs-1", _M2L, "calendar", find=CS)
    pl.access("p-cs-ok-1", A(2, "11:00:00"), "pu-cs-1")
    pl.connect("p-cs-con-2", "pu-cs-2")
    pl.connect("p-cs-con2-2", "pu-cs-2", A(5, "10:00:00"), scope="linkedin_only",
               surface="account_settings")
    pl.access("p-cs-ok-2", A(5, "09:59:59"), "pu-cs-2", _M2L)
    pl.access("p-cs-2", A(5, "10:00:00"), "pu-cs-2", _M2L, find=CS)
    pl.connect("p-cs-con-3a", "pu-cs-3", A(2, "10:00:00"))
    pl.connect("p-cs-con-3b", "pu-cs-3", A(2, "10:00:00"), scope="linkedin_only")
    pl.access("p-cs-3", A(3), "pu-cs-3", _M2L, "interests", find=CS)
    pl.connect("p-cs-con-4", "pu-cs-4")
    pl.access("p-cs-ok-4", A(3), "pu-cs-4", _M2L, "subscriptions")
    pl.consent("p-cs-dis-4", A(4), "pu-cs-4", "disconnect")
    pl.connect("p-cs-con2-4", "pu-cs-4", A(6), scope="linkedin_only")
    pl.access("p-cs-4", A(7), "pu-cs-4", _M2L, "subscriptions", find=CS)
    pl.connect("p-cs-con-5", "pu-cs-5", scope="linkedin_only")
    pl.connect("p-cs-con2-5", "pu-cs-5", A(6, "08:00:00"), surface="account_settings")
    pl.access("p-cs-ok-5", A(6, "08:00:00"), "pu-cs-5", _M2L, "contacts", purged=None)

    # allowed-categories.
    pl.connect("p-ac-con-1", "pu-ac-1")
    pl.access("p-ac-1", A(2), "pu-ac-1", _L2M, "calendar", fields=["start", "end"], find=AC)
    pl.access("p-ac-2", A(3), "pu-ac-1", _L2M, "contacts", fields=["name", "email"], find=AC)
    pl.access("p-ac-3", A(4), "pu-ac-1", _M2L, "connections", fields=["connection_id"],
              find=AC)
    pl.access("p-ac-ok-1", A(5), "pu-ac-1", "Microsoft_To_LinkedIn", "Calendar",
              fields=["start", "end"], style="+02")

    # calendar-fields.
    pl.connect("p-cf-con-1", "pu-cf-1")
    pl.access("p-cf-1", A(2), "pu-cf-1", _M2L, "calendar", fields=["start", "end", "subject"],
              find=CF)
    pl.access("p-cf-2", A(3), "pu-cf-1", _M2L, "calendar",
              fields=["start", "end", "attendees", "agenda"], find=CF)
    pl.access("p-cf-3", A(4), "pu-cf-1", _M2L, "calendar", fields=["body"], find=CF)
    pl.access("p-cf-ok-1", A(5), "pu-cf-1", _M2L, "calendar", fields=None)
    pl.access("p-cf-ok-2", A(6), "pu-cf-1", _M2L, "calendar",
              fields=["Start", "END", "Location", ""])

    # first-degree-connections.
    pl.connect("p-fd-con-1", "pu-fd-1", scope="linkedin_only")
    pl.access("p-fd-1", A(2), "pu-fd-1", category="connections", degree="2", find=FD)
    pl.access("p-fd-2", A(3), "pu-fd-1", category="connections", degree="3", find=FD)
    pl.access("p-fd-3", A(4), "pu-fd-1", category="connections", degree=None, find=FD)
    pl.access("p-fd-ok-1", A(5), "pu-fd-1", category="connections", degree="1",
              style="+0200")

    # session-retention.
    pl.connect("p-sr-con-1", "pu-sr-1")
    t = A(2)
    pl.access("p-sr-1", t, "pu-sr-1", session_end=t + 1800, purged=t + 1801, find=SR)
    t = A(2, "11:00:00")
    pl.access("p-sr-ok-1", t, "pu-sr-1", session_end=t + 1800, purged=t + 1800,
              purged_style="frac")
    pl.access("p-sr-2", A(3), "pu-sr-1", purged=None, find=SR)
    t = A(4)
    pl.access("p-sr-3", t, "pu-sr-1", session_end=None, purged=t + 600, find=SR)
    t = A(5, "14:05:00")
    pl.access("p-sr-4", t, "pu-sr-1", _M2L, "calendar", session_end=t + _HOUR,
              purged=t + _HOUR + 3 * _DAY + 2 * _HOUR, find=SR)
    pl.access("p-sr-ok-2", AS - _HOUR, "pu-sr-1", category="interests", session_end=AS,
              purged=None)
    pl.access("p-sr-ok-3", A(6), "pu-sr-1", _M2L, "contacts", session_end=None, purged=None)

    # contacts-deletion.
    pl.connect("p-ck-con-1", "pu-ck-1")
    pl.request("p-ck-req-1", "pu-ck-1", "erasure", A(5, "10:00:00"), A(6), scope="contacts")
    deadline = A(35, "10:00:00")
    pl.access("p-ck-1", A(2), "pu-ck-1", _M2L, "contacts", purged=None, find=CK)
    pl.access("p-ck-2", A(3), "pu-ck-1", _M2L, "contacts", purged=deadline + 1, find=CK)
    pl.access("p-ck-ok-1", A(3, "11:00:00"), "pu-ck-1", _M2L, "contacts", purged=deadline)
    pl.access("p-ck-3", A(5, "10:00:00"), "pu-ck-1", _M2L, "contacts", purged=None, find=CK)
    pl.access("p-ck-ok-2", A(6, "12:00:00"), "pu-ck-1", _M2L, "contacts", purged=None)
    pl.connect("p-ck-con-2", "pu-ck-2")
    pl.request("p-ck-req-2", "pu-ck-2", "erasure", A(8), A(9))
    pl.access("p-ck-4", A(4), "pu-ck-2", _M2L, "contacts", purged=A(48), find=CK)
    pl.connect("p-ck-con-3", "pu-ck-3")
    pl.request("p-ck-req-3", "pu-ck-3", "erasure", AS - 10 * _DAY, scope="all")
    pl.access("p-ck-ok-3", A(2), "pu-ck-3", _M2L, "contacts", purged=None)
    pl.connect("p-ck-con-4", "pu-ck-4")
    pl.request("p-ck-req-4", "pu-ck-4", "access", A(5), A(7))
    pl.access("p-ck-ok-4", A(2), "pu-ck-4", _M2L, "contacts", purged=None)
    pl.connect("p-ck-con-5", "pu-ck-5")
    pl.request("p-ck-req-5a", "pu-ck-5", "erasure", A(5), A(6), scope="contacts")
    pl.request("p-ck-req-5b", "pu-ck-5", "erasure", A(20), A(21), scope="all")
    pl.access("p-ck-5", A(2), "pu-ck-5", _M2L, "contacts", purged=A(45), find=CK)
    pl.access("p-ck-ok-5", A(10), "pu-ck-5", _M2L, "contacts", purged=A(45))

    # eu-us-transfer-tagged.
    pl.connect("p-eu-con-1", "pu-eu-1")
    pl.access("p-eu-1", A(2), "pu-eu-1", src="US", dst="SE", find=EU)
    pl.access("p-eu-2", A(3), "pu-eu-1", _M2L, src="DE", dst="US", mechanism="adequacy",
              find=EU)
    pl.access("p-eu-3", A(4), "pu-eu-1", _M2L, "interests", src="EU", dst="US",
              mechanism="privacy_shield", find=EU)
    pl.access("p-eu-4", A(5), "pu-eu-1", category="subscriptions", src="US", dst="NO",
              mechanism="derogation", find=EU)
    pl.access("p-eu-ok-1", A(6), "pu-eu-1", src="US", dst="NO", mechanism="SCC", style="space")
    pl.access("p-eu-ok-2", A(7), "pu-eu-1", src="US", dst="UK")
    pl.access("p-eu-ok-3", A(8), "pu-eu-1", _M2L, src="CH", dst="US")
    pl.access("p-eu-ok-4", A(9), "pu-eu-1", src="US", dst="US")
    dpf = _sec(_DPF_FROM)
    pl.access("p-eu-ok-5", A(10), "pu-eu-1", _M2L, "calendar", src="se", dst="us",
              mechanism="Dpf" if A(10) >= dpf else "Bcr")
    pl.access("p-eu-ok-6", A(11), "pu-eu-1", src="EU", dst="IE")
    if A(1, "09:00:00") < dpf - _DAY and dpf + _DAY < AS:
        pl.connect("p-eu-con-2", "pu-eu-2")
        pl.access("p-eu-5", dpf - 1, "pu-eu-2", src="US", dst="DE", mechanism="dpf", find=EU)
        pl.access("p-eu-ok-7", dpf, "pu-eu-2", src="US", dst="DE", mechanism="dpf")

    # profile-visibility (viewer pu-pv-viewer is another employee).
    v = "pu-pv-viewer"
    pl.connect("p-pv-con-1", "pu-pv-1")
    pl.consent("p-pv-hide-1", A(3), "pu-pv-1", "hide_profile")
    pl.access("p-pv-1", A(4), "pu-pv-1", viewer=v, find=PV)
    pl.access("p-pv-ok-1", A(4, "11:00:00"), "pu-pv-1", viewer="pu-pv-1")
    pl.access("p-pv-ok-2", A(4, "12:00:00"), "pu-pv-1", viewer=None)
    pl.consent("p-pv-show-1", A(6, "12:00:00"), "pu-pv-1", "show_profile")
    pl.access("p-pv-ok-3", A(6, "12:00:00"), "pu-pv-1", viewer=v)
    pl.connect("p-pv-con-2", "pu-pv-2")
    pl.consent("p-pv-hide-2", A(3, "10:00:00"), "pu-pv-2", "hide_profile")
    pl.consent("p-pv-show-2", A(3, "10:00:00"), "pu-pv-2", "show_profile")
    pl.access("p-pv-2", A(3, "11:00:00"), "pu-pv-2", viewer=v, app="teams", find=PV)
    pl.consent("p-pv-hide-3", A(1), "pu-pv-3", "hide_profile")
    pl.connect("p-pv-con-3", "pu-pv-3", A(2))
    pl.access("p-pv-3", A(3), "pu-pv-3", viewer=v, app="sharepoint", find=PV)
    pl.access("p-pv-ok-4", A(3, "11:00:00"), "pu-pv-3", category="interests", viewer=v)
    pl.connect("p-pv-con-4", "pu-pv-4")
    pl.access("p-pv-ok-5", A(7), "pu-pv-4", viewer=v)
    pl.consent("p-pv-hide-4", A(8, "09:00:00"), "pu-pv-4", "hide_profile")
    pl.access("p-pv-4", A(8, "09:00:00"), "pu-pv-4", viewer=v, find=PV)

    # dsr-deadline.
    d31 = _d31(tl)
    r1 = _sec(d31.replace(hour=10))
    pl.request("p-dd-ok-1", "pu-dd-1", "access", r1, _sec(add_months(_utc(r1), 1)))
    r2 = _sec(d31.replace(hour=11))
    pl.request("p-dd-1", "pu-dd-2", "portability", r2, _sec(add_months(_utc(r2), 1)) + 1,
               find=DD)
    month_before_as_of = _sec(add_months(_utc(AS), -1))
    pl.request("p-dd-2", "pu-dd-3", "rectification", month_before_as_of - 1, find=DD)
    pl.request("p-dd-ok-2", "pu-dd-4", "objection", month_before_as_of)
    pl.request("p-dd-3", "pu-dd-5", "erasure", P(3), P(48), scope="all", extended="false",
               find=DD)
    pl.request("p-dd-4", "pu-dd-6", "access", P(20), find=DD)
    pl.request("p-dd-ok-3", "pu-dd-7", "access", P(2), P(52), extended="Yes")
    pl.request("p-dd-ok-4", "pu-dd-8", "portability", _sec(add_months(_utc(AS), -2)),
               extended="true")

    # admin-authority (all after TA, so they change nothing for enablement).
    pl.admin("p-aa-1", A(10), add, target="pu-fd-1", actor="pu-aa-actor-1", role="user",
             find=AA)
    pl.admin("p-aa-2", A(12), "announce", actor="pu-aa-actor-2",
             role="helpdesk_administrator", find=AA)
    pl.admin("p-aa-3", A(20), "enable_all", actor="pu-aa-actor-3", role="security_reader",
             find=AA)
    pl.admin("p-aa-ok-1", A(21), rm, target="pu-fd-1", role="Global_Administrator")

    # log-integrity.
    pl.connect("p-li-con-1", "pu-li-1")
    pl.access("p-li-1", A(2), "pu-li-1", app="outlook", find=LI)
    pl.access("p-li-1", A(2), "pu-li-1", app="teams", find=LI)
    pl.connect("p-li-2", "pu-li-2", A(1), notice="lac-notice-1.1", find=LI)
    pl.connect("p-li-2", "pu-li-2", A(1), notice="lac-notice-1.0", find=LI)
    pl.request("p-li-3", "pu-li-3", "access", P(10), P(12), find=LI)
    pl.request("p-li-3", "pu-li-3", "access", P(10), P(13), find=LI)
    t = A(3)
    pl.access("p-li-4", t, "pu-li-1", _M2L, "contacts", session_end=t - 300, purged=None,
              find=LI)
    t = A(4)
    pl.access("p-li-5", t, "pu-li-1", session_end=t - 600, purged=t - 600, find=LI)
    pl.connect("p-li-6", "pu-ghost-1", A(1), find=LI)
    pl.access("p-li-7", A(2), "pu-ghost-1", find=LI)
    pl.request("p-li-8", "pu-ghost-2", "objection", P(15), P(17), find=LI)
    pl.access("p-li-9", A(5), "pu-li-1", category="interests", dst=None, find=LI)
    pl.access("p-li-10", A(6), "pu-li-1", _M2L, src=None, find=LI)
    pl.access("p-dup-1", A(7), "pu-li-1", category="subscriptions")
    pl.access("p-dup-1", A(7), "pu-li-1", category="subscriptions")

    # The anchor: the latest dated row, so that the default as_of is AS.
    pl.connect("p-anchor-con", "pu-anchor")
    pl.access("p-anchor", AS, "pu-anchor", session_end=AS, purged=AS)

    # Malformed rows, each breaking exactly one rule.
    last = _utc(AS).replace(day=3, hour=14, minute=5, second=0)
    pl.access(None, A(20), "pu-li-1", category="interests", reject="missing_value")
    pl.consent("p-bad-2", A(21), "   ", "show_profile", reject="missing_value")
    pl.access("p-bad-3", A(22), "pu-li-1", raw={"occurred_at": "yesterday"},
              reject="bad_timestamp")
    pl.consent("p-bad-4", A(23), "pu-li-2", "hide_profile",
               raw_time=f"{_utc(tl.t0).year}-02-30T10:00:00Z", reject="bad_timestamp")
    pl.access("p-bad-5", _sec(last), "pu-li-1", raw={"occurred_at": fmt_ts(_sec(last), "naive")},
              reject="naive_timestamp")
    pl.access("p-bad-6", A(24), "pu-li-1", raw={"direction": "sideways"}, reject="bad_enum")
    pl.request("p-bad-7", "pu-li-3", "deletion", A(25), A(26), reject="bad_enum")
    pl.access("p-bad-8", A(26), "pu-li-1", category="connections", degree="2nd",
              reject="bad_integer")
    pl.access("p-bad-9", A(27), "pu-li-1", category="connections", degree="1.5",
              reject="bad_integer")
    pl.access("p-bad-10", A(28), "pu-li-1", src="Sweden", reject="bad_country")
    pl.request("p-bad-12", "pu-li-3", "portability", A(29), A(30), extended="maybe",
               reject="bad_boolean")

    # The directory: every planted user but the two ghosts.
    names = {
        "pu-it-admin": ("Ingrid Holm", "SE"), "pu-aa-actor-1": ("Mats Berg", "SE"),
        "pu-aa-actor-2": ("Helpdesk Göteborg", "SE"), "pu-aa-actor-3": ("Sara Lind", "SE"),
        "pu-pv-viewer": ("Peter Viewer", "DE"), "pu-eu-1": ("Elsa Unger", "SE"),
        "pu-eu-2": ("Ebba Ulf", "DE"), "pu-anchor": ("Anders Kron", "SE"),
        "pu-dd-3": ("Dana Dahl", "US"), "pu-aad-4": ("Alma Dorn", "NO"),
        "pu-cba-1": ("Cecilia Bäck", "SE"),
    }
    seen: set[str] = set()
    for log in ("admin_events", "consent_events", "access_events", "dsr_requests"):
        for row in pl.rows[log]:
            for col in ("actor_id", "target_user_id", "user_id", "viewer_id"):
                uid = row.get(col)
                if uid and uid.startswith("pu-") and not uid.startswith("pu-ghost"):
                    seen.add(uid)
    for uid in sorted(seen | set(names)):
        if uid == "pu-eu-2" and "pu-eu-2" not in seen:
            continue
        name, country = names.get(uid, (f"Planted {uid[3:].replace('-', ' ').title()}", "SE"))
        pl.user(uid, name, country)
    pl.user("pu-cba-1", "Cecilia Back", "SE", reject="duplicate_user",
            email="cecilia.back@contoso.com")
    pl.user("pu-bad-11", "Bo Dåligland", "S1", reject="bad_country")
    return pl


# --------------------------------------------------------------------------------------------
# Background (set-wise, in DuckDB: queries/sample/)
# --------------------------------------------------------------------------------------------


def _arrow_table(rows: list[dict[str, Any]], log: str) -> pa.Table:
    cols: dict[str, pa.Array] = {}
    for c in COLUMNS[log]:
        typ = pa.list_(pa.string()) if c in LIST_COLUMNS else pa.string()
        cols[c] = pa.array([r[c] for r in rows], type=typ)
    cols["_sec"] = pa.array([r["_sec"] for r in rows], type=pa.int64())
    cols["_k"] = pa.array([r["_k"] for r in rows], type=pa.int64())
    cols["_find"] = pa.array([r["_find"] for r in rows], type=pa.string())
    cols["_reject"] = pa.array([r["_reject"] for r in rows], type=pa.string())
    return pa.table(cols)


def _seed_mask(seed: int, salt: str) -> int:
    digest = hashlib.sha256(f"{seed}:{salt}".encode()).digest()
    return int.from_bytes(digest[:6], "big")


def generate(out_dir: Path, users: int = 300, months: int = 3, start: str = "2026-08",
             seed: int = 7, fmt: str = "csv") -> dict[str, int]:
    """Write a sample organisation's five logs and the two answer keys into ``out_dir``.

    ``users`` background users over ``months`` months from ``start`` (YYYY-MM); ``fmt`` is
    ``csv``, ``jsonl`` or ``parquet`` for the logs (the keys are always CSV). The same arguments
    give byte-identical files. Returns the number of rows written per log.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {sorted(FORMATS)}, got {fmt!r}")
    if months < 3:
        raise ValueError("months must be at least 3 for the planted cases to fit")
    if users < 10:
        raise ValueError("users must be at least 10")
    tl = _timeline(start, months)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ext = FORMATS[fmt]

    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = true")
        variables: dict[str, Any] = {
            "seed": seed, "n": users, "t0": tl.t0, "ta": tl.ta, "as_of": tl.as_of,
            "be": tl.b_end, "maxlen": _MAX_SESSION, "rate": _SESSION_RATE,
            "eea": list(_EEA), "first": list(_FIRST), "last": list(_LAST),
            "dpf": _sec(_DPF_FROM),
        }
        for name, value in variables.items():
            con.execute(f"SET VARIABLE {name} = ?", [value])
        md5 = hashlib.md5(f"{seed}:group".encode()).hexdigest()
        group = f"{md5[:8]}-{md5[8:12]}-4{md5[13:16]}-a{md5[17:20]}-{md5[20:32]}"
        md5 = hashlib.md5(f"{seed}:other-group".encode()).hexdigest()
        other_group = f"{md5[:8]}-{md5[8:12]}-4{md5[13:16]}-a{md5[17:20]}-{md5[20:32]}"
        con.execute("SET VARIABLE grp = ?", [group])
        for prefix in ("ae", "ce", "ad"):
            con.execute(f"SET VARIABLE mask_{prefix} = ?", [_seed_mask(seed, prefix)])
        # The background, set-wise in DuckDB (queries/sample/).
        for name in ("sample/macros", "sample/users", "sample/dsr", "sample/access", "sample/admin", "sample/consent"):
            con.execute(sql(name))

        planted = _plant(tl, group, other_group)
        for log in COLUMNS:
            con.register(f"p_{log}", _arrow_table(planted.rows[log], log))
        con.execute(sql("sample/assemble"))  # one view f_<log> per log: background and planted rows
        counts, rejections = _write(con, out_dir, ext)
        _check_as_of(con, tl)
    finally:
        con.close()

    findings = sorted({(control, row[COLUMNS[log][0]])
                       for log in COLUMNS for row in planted.rows[log]
                       for control in (row["_find"] or "").split(",") if control})
    with open(out_dir / "expected_findings.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["control", "event_id"])
        w.writerows(findings)
    with open(out_dir / "expected_rejections.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["file", "line", "rule"])
        w.writerows(sorted(rejections))
    return counts


# File order per log; every order key is unique, so line numbers are known in advance.
_ORDER = {log: ("_sec", "_k") for log in COLUMNS} | {"users": ("user_id", "_k")}


def _write(con: duckdb.DuckDBPyConnection, out_dir: Path,
           ext: str) -> tuple[dict[str, int], list[tuple[str, int, str]]]:
    counts: dict[str, int] = {}
    rejections: list[tuple[str, int, str]] = []
    for log, cols in COLUMNS.items():
        name = f"{log}.{ext}"
        path = (out_dir / name).as_posix().replace("'", "''")
        select = ", ".join(
            f"array_to_string({c}, ';') AS {c}" if c in LIST_COLUMNS and ext == "csv" else c
            for c in cols)
        options = {"csv": "FORMAT csv, HEADER true", "jsonl": "FORMAT json",
                   "parquet": "FORMAT parquet"}[ext]
        first, second = _ORDER[log]
        con.execute(f"COPY (SELECT {select} FROM f_{log} ORDER BY {first}, {second}) "
                    f"TO '{path}' ({options})")
        # A rejected row's line is 1 + the number of rows written before it: count them all,
        # and the rows before each rejected row, in one scan.
        rejected = con.execute(f"SELECT {first}, {second}, _reject FROM p_{log} "
                               f"WHERE _reject IS NOT NULL ORDER BY {first}, {second}").fetchall()
        aggregates = ["count(*)"] + [
            f"count(*) FILTER (WHERE {first} < ${2 * n + 1} "
            f"OR ({first} = ${2 * n + 1} AND {second} < ${2 * n + 2}))"
            for n in range(len(rejected))]
        params = [v for key1, key2, _ in rejected for v in (key1, key2)]
        total, *before = con.execute(f"SELECT {', '.join(aggregates)} FROM f_{log}",
                                     params).fetchone()
        counts[log] = total
        header = 1 if ext == "csv" else 0
        rejections += [(name, n + 1 + header, rule) for n, (_, _, rule) in zip(before, rejected)]
    return counts, rejections


def _check_as_of(con: duckdb.DuckDBPyConnection, tl: Timeline) -> None:
    """The planted anchor must be the latest dated loaded row, or the answer key is wrong."""
    latest = con.execute(sql("sample/latest")).fetchone()[0]
    if latest != tl.as_of:
        raise AssertionError(f"latest dated row is {latest}, expected as_of {tl.as_of}")
