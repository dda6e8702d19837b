"""Real exports, read as they come and mapped into the canonical logs.

- `graph_directory_audit`: Microsoft Graph directoryAudit JSON (graph.py);
- `m365_audit_csv`: the Microsoft 365 unified audit log CSV, classic or Purview layout (m365.py);
- `linkedin_snapshots`: snapshots of the LinkedIn account connections setting (snapshots.py).

`auditor load INPUT` finds them in INPUT by content (detect.py), or reads them as `--format`.
Every audit-log record is kept in `source_events` with a pointer to where it is in the export;
the mapped ones go through the loader's own validation and duplicate checks (records.py).

| export activity | canonical row |
|---|---|
| Add member to group (the configured group) | admin_events `group_add` (group_id, target_user_id = the member) |
| Remove member from group (the configured group) | admin_events `group_remove` |
| Consent to application (a configured LinkedIn app, by a user, not admin consent) | consent_events `connect`, scope from configuration |
| Remove delegated permission grant (a configured LinkedIn app, named in a target, a modified property such as ServicePrincipal.ObjectID, or the additional details; one user's grant) | consent_events `disconnect` (the grant's principal) |
| Add / Remove member from role | none: the actor roles of admin events |
| a change between two setting snapshots | admin_events `enable_all` / `enable_group` / `disable`, actor `snapshot` |

Only records whose result is success become rows; the others that would map are `failed`. A
change in a Graph export and an audit-log export with one correlation id is one row (records.match_twins).
"""

from auditor.adapters.detect import FORMATS, ExportFile, find_exports, logs_provided, sniff
from auditor.adapters.load import ExportResult, load_exports

__all__ = ["FORMATS", "ExportFile", "ExportResult", "find_exports", "load_exports", "logs_provided", "sniff"]
