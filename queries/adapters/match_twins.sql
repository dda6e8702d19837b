-- Each mapped record of this load that is the same change as a mapped record of the other format
-- (records.match_twins says when). The correlation id of a record as exported: Graph's
-- correlationId, the audit log's AuditData.InterSystemsId, read from the raw record (its key
-- matched case-insensitively), so records of earlier loads have it too. A correlation id names a
-- request, which a client may reuse: twins are at most 60 seconds apart too.
INSERT INTO source_twins
WITH m AS (
  SELECT sha256, pointer, format, path, seq, log, action, lower(user_id) AS person, lower(group_id) AS grp, occurred_at,
         lower(trim(CASE format
             WHEN 'graph_directory_audit'
               THEN json_extract_string(regexp_replace(raw, '"(?i:correlationid)"(\s*):', '"correlationid"\1:', 'g'), '$.correlationid')
             WHEN 'm365_audit_csv'
               THEN json_extract_string(regexp_replace(raw, '"(?i:intersystemsid)"(\s*):', '"intersystemsid"\1:', 'g'), '$.intersystemsid')
             END)) AS cid,
         r.read IS NOT NULL AS now, r.read
  FROM source_events LEFT JOIN (SELECT DISTINCT sha256, read FROM _xa_all) r USING (sha256)
  WHERE status = 'mapped' AND (sha256, pointer) NOT IN (SELECT (sha256, pointer) FROM source_twins)),
pairs AS (
  SELECT a.sha256, a.pointer, b.sha256 AS of_sha256, b.pointer AS of_pointer, a.cid,
         row_number() OVER (PARTITION BY a.sha256, a.pointer
                            ORDER BY abs(epoch(a.occurred_at) - epoch(b.occurred_at)), b.now, b.read, b.seq) AS k
  FROM m a JOIN m b
    ON a.cid = b.cid AND a.format <> b.format AND a.log = b.log AND a.action = b.action
   AND a.person IS NOT DISTINCT FROM b.person AND a.grp IS NOT DISTINCT FROM b.grp
   AND abs(epoch(a.occurred_at) - epoch(b.occurred_at)) <= 60
  WHERE a.now AND a.cid <> '' AND (NOT b.now OR b.read < a.read))
SELECT sha256, pointer, of_sha256, of_pointer, cid FROM pairs WHERE k = 1
