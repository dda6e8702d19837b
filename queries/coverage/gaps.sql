-- Gaps of access_events in the window [$win_start, $win_end], given the evidence span
-- [$span_start, $span_end] (NULL when nothing is loaded).
--
-- Activity is expected at every instant outside the span, and inside it while at least one user
-- is connected and the integration is not disabled. The window is cut at its ends and at every
-- access event in it; each maximal stretch of expected activity between two cuts that is longer
-- than $max_gap_us microseconds (strictly) is a gap. Everything here is an interval: a stretch
-- without expected activity splits a gap in two, a single instant splits nothing.
WITH
-- Spells in which someone is connected, merged into islands (few: the organisation's, not a user's).
connected AS (
    SELECT valid_from AS s, coalesce(valid_to, 'infinity'::TIMESTAMPTZ) AS e
    FROM consent_spells WHERE state = 'connected'),
marked AS (
    SELECT s, e, coalesce(s > max(e) OVER (ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), true) AS opens
    FROM connected),
islands AS (
    SELECT min(s) AS s, max(e) AS e
    FROM (SELECT s, e, sum(opens::INTEGER) OVER (ORDER BY s, e ROWS UNBOUNDED PRECEDING) AS island FROM marked)
    GROUP BY island),
-- Spells in which the integration is disabled (the latest enable_*/disable is a disable).
disabled AS (
    SELECT s, e FROM (
        SELECT valid_from AS s, coalesce(lead(valid_from) OVER (ORDER BY valid_from), 'infinity'::TIMESTAMPTZ) AS e, state
        FROM org_states)
    WHERE state = 'disabled'),
-- Every instant at which expectation may change, within the window: between two consecutive
-- ones it is constant.
points AS (
    SELECT DISTINCT p FROM (
        SELECT unnest([CAST($win_start AS TIMESTAMPTZ), CAST($win_end AS TIMESTAMPTZ),
                       CAST($span_start AS TIMESTAMPTZ), CAST($span_end AS TIMESTAMPTZ)]) AS p
        UNION ALL SELECT s FROM islands UNION ALL SELECT e FROM islands
        UNION ALL SELECT s FROM disabled UNION ALL SELECT e FROM disabled)
    WHERE p >= $win_start AND p <= $win_end),
segments AS (SELECT p AS a, lead(p) OVER (ORDER BY p) AS b FROM points),
expected AS (
    SELECT a, b FROM segments
    WHERE b IS NOT NULL AND (
        CAST($span_start AS TIMESTAMPTZ) IS NULL OR b <= $span_start OR a >= $span_end
        OR (EXISTS (SELECT 1 FROM islands i WHERE i.s <= a AND i.e >= b)
            AND NOT EXISTS (SELECT 1 FROM disabled d WHERE d.s <= a AND d.e >= b)))),
-- Consecutive expected segments joined into maximal stretches.
stretches AS (
    SELECT min(a) AS a, max(b) AS b
    FROM (SELECT a, b, sum((prev_b IS DISTINCT FROM a)::INTEGER) OVER (ORDER BY a ROWS UNBOUNDED PRECEDING) AS stretch
          FROM (SELECT a, b, lag(b) OVER (ORDER BY a) AS prev_b FROM expected))
    GROUP BY stretch),
-- The cuts: the window's ends and the access events inside it; only the intervals between two
-- consecutive cuts that are longer than the limit can hold a gap. Two events less than the limit
-- apart never bound one, so the events are grouped in buckets as wide as the limit (at least
-- 1 us), and only each bucket's first and last event are cuts: a hash aggregate, not a sort of
-- every event (the history's 10M events in a whole-history run).
buckets AS (
    SELECT min(occurred_at) AS lo, max(occurred_at) AS hi FROM access_events
    WHERE occurred_at > $win_start AND occurred_at < $win_end
    GROUP BY (epoch_us(occurred_at) - epoch_us(CAST($win_start AS TIMESTAMPTZ))) // greatest($max_gap_us, 1)),
cuts AS (
    SELECT t AS a, lead(t) OVER (ORDER BY t) AS b FROM (
        SELECT CAST($win_start AS TIMESTAMPTZ) AS t UNION ALL SELECT CAST($win_end AS TIMESTAMPTZ)
        UNION ALL SELECT lo FROM buckets UNION ALL SELECT hi FROM buckets)),
long_cuts AS (SELECT a, b FROM cuts WHERE b IS NOT NULL AND epoch_us(b) - epoch_us(a) > $max_gap_us)
SELECT greatest(c.a, x.a) AS start, least(c.b, x.b) AS "end"
FROM long_cuts c JOIN stretches x ON x.a < c.b AND x.b > c.a
WHERE epoch_us(least(c.b, x.b)) - epoch_us(greatest(c.a, x.a)) > $max_gap_us
ORDER BY start
