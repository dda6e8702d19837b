-- The sample's helpers (`auditor sample`): rnd(k, salt, n) is uniform in [0, n) for key k. DuckDB
-- combines the arguments of a multi-argument hash() weakly (draws with different salts for one
-- key are strongly correlated), so the combined hash is hashed again. The variables (seed, n,
-- eea, ...) are set by auditor/sample.py, bound.
CREATE OR REPLACE TEMP MACRO rnd(k, salt, n) AS
    (hash(hash(getvariable('seed'), k, salt)) % greatest(n, 1)::UBIGINT)::BIGINT;
CREATE OR REPLACE TEMP MACRO tsz(s) AS
    strftime(make_timestamp(s * 1000000), '%Y-%m-%dT%H:%M:%SZ');
CREATE OR REPLACE TEMP MACRO tsf(s, off) AS CASE WHEN off
    THEN strftime(make_timestamp((s + 7200) * 1000000), '%Y-%m-%dT%H:%M:%S') || '+02:00'
    ELSE tsz(s) END;
CREATE OR REPLACE TEMP MACRO guid(m) AS
    substr(m, 1, 8) || '-' || substr(m, 9, 4) || '-4' || substr(m, 14, 3) || '-a'
    || substr(m, 18, 3) || '-' || substr(m, 21, 12);
CREATE OR REPLACE TEMP MACRO is_eea(r) AS list_contains(getvariable('eea'), r);
CREATE OR REPLACE TEMP MACRO pick(xs, k, salt) AS list_extract(xs, 1 + rnd(k, salt, len(xs)));
-- A unique, random-looking id from a row's unique key k (a bijection on 48 bits), masked per seed.
CREATE OR REPLACE TEMP MACRO masked_id(prefix, k, mask) AS
    printf(prefix || '%012x', xor(((k::HUGEINT * 2654435761) % 281474976710656)::BIGINT, mask));
