-- A control's findings as Spark found them (<columns>: FINDING_COLUMNS).
SELECT {columns} FROM _engine_findings
