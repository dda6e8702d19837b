-- The configured role names' labels ([sources] roles) and role holders ([sources] role_holders),
-- filled from Python with bound values.
CREATE OR REPLACE TEMP TABLE _xa_role_map (name VARCHAR, label VARCHAR);
CREATE OR REPLACE TEMP TABLE _xa_holders (who VARCHAR, role_name VARCHAR)
