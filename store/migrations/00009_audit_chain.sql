-- +goose Up
-- The audit log becomes append-only by privilege and tamper-evident by a hash chain.
--
-- Two roles. They belong to the cluster, not to this database, so creating them is
-- idempotent and race-safe (many databases of one cluster are migrated at once in the tests).
--   tvp_owner  owns audit_log, its chain head and its functions. NOLOGIN: the migrations run
--              as a login that may act as it (a superuser, or a member of it).
--   tvp_app    the application: api, worker and dev take it on every connection
--              (TVP_DATABASE_ROLE). It reads and writes the other tables; audit_log it may
--              only INSERT into and SELECT from.
-- A migrating login that is not a superuser is made a member of both, so that it can hand
-- audit_log to tvp_owner and, as in development, connect as the application too.
-- +goose StatementBegin
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['tvp_owner', 'tvp_app'] LOOP
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
                EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- created at this moment by the migration of another database
        END;
        IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
           AND NOT pg_has_role(current_user, r, 'MEMBER') THEN
            BEGIN
                EXECUTE format('GRANT %I TO %I', r, current_user);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
END $$;
-- +goose StatementEnd

GRANT USAGE, CREATE ON SCHEMA public TO tvp_owner;
GRANT USAGE ON SCHEMA public TO tvp_app;

-- The chain. Each row carries prev_hash (the hash of the row before it in id order; NULL for
-- the first row ever) and hash, SHA-256 over its canonical encoding (audit_log_hash). The
-- trigger audit_log_zz_chain computes both, and the id, while it holds the chain's head: the
-- application cannot choose them, and id order is chain order.
DROP TRIGGER audit_log_no_update ON audit_log;
DROP FUNCTION audit_log_append_only();
ALTER TABLE audit_log OWNER TO tvp_owner; -- and its id sequence with it
ALTER TABLE audit_log ADD COLUMN prev_hash bytea, ADD COLUMN hash bytea;
ALTER TABLE audit_log ALTER COLUMN id DROP DEFAULT;
-- Go formats the same instants as SQL only for finite times.
ALTER TABLE audit_log ADD CONSTRAINT audit_log_at_finite CHECK (isfinite(at));

-- The head: the last row's id and hash. Its row lock serialises appends; it also lets
-- verify notice rows missing at the end, and carries the chain across a retention that
-- deletes every row.
CREATE TABLE audit_chain_head (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    last_id bigint,
    hash    bytea
);
ALTER TABLE audit_chain_head OWNER TO tvp_owner;

-- The canonical encoding of a row, which store.AuditRowHash computes in Go too (keep them
-- equal): a sequence of fields, each its length in bytes as 8 bytes big-endian and then its
-- bytes (text as UTF-8), NULL as the length -1 and no bytes:
--   'tvp.audit_log.v1', prev_hash, id (decimal), at (UTC, 'YYYY-MM-DDTHH:MM:SS.ffffffZ'),
--   actor_id, action, subject_type, subject_id, citizen_id (text or NULL), purpose,
--   details::text (jsonb's own normal form), key (or NULL), refused ('true' or 'false').
-- +goose StatementBegin
CREATE FUNCTION audit_field(v text) RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v IS NULL THEN int8send(-1)
                ELSE int8send(octet_length(convert_to(v, 'UTF8'))::bigint) || convert_to(v, 'UTF8') END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION audit_field(v bytea) RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v IS NULL THEN int8send(-1) ELSE int8send(length(v)::bigint) || v END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION audit_log_hash(prev bytea, r audit_log) RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT sha256(
           audit_field('tvp.audit_log.v1'::text)
        || audit_field(prev)
        || audit_field(r.id::text)
        || audit_field(to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
        || audit_field(r.actor_id)
        || audit_field(r.action)
        || audit_field(r.subject_type)
        || audit_field(r.subject_id)
        || audit_field(r.citizen_id::text)
        || audit_field(r.purpose)
        || audit_field(r.details::text)
        || audit_field(r.key)
        || audit_field(CASE WHEN r.refused THEN 'true' ELSE 'false' END))
$$;
-- +goose StatementEnd

-- The rows logged before this migration are chained in id order.
-- +goose StatementBegin
DO $$
DECLARE
    r    audit_log;
    prev bytea;
    tail bigint;
BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
        UPDATE audit_log SET prev_hash = prev, hash = audit_log_hash(prev, r) WHERE id = r.id
        RETURNING hash INTO prev;
        tail := r.id;
    END LOOP;
    INSERT INTO audit_chain_head (last_id, hash) VALUES (tail, prev);
END $$;
-- +goose StatementEnd
ALTER TABLE audit_log ALTER COLUMN hash SET NOT NULL;

-- Appending: one at a time, in the head's row lock, held until the transaction ends. The next
-- append then sees this row (READ COMMITTED), or fails with a serialization error instead of
-- forking the chain (REPEATABLE READ, SERIALIZABLE). An entry whose key is logged already is
-- skipped here, before its id and hash are taken, so that a retried activity logs once. The
-- name sorts after the log's other BEFORE INSERT triggers, which PostgreSQL fires in name
-- order: the hash covers the row as it is stored.
-- +goose StatementBegin
CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    head bytea;
BEGIN
    SELECT hash INTO head FROM audit_chain_head FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'audit_chain_head has no row';
    END IF;
    IF NEW.key IS NOT NULL AND EXISTS (SELECT 1 FROM audit_log WHERE key = NEW.key) THEN
        RETURN NULL;
    END IF;
    NEW.id := nextval('audit_log_id_seq');
    NEW.prev_hash := head;
    NEW.hash := audit_log_hash(head, NEW);
    UPDATE audit_chain_head SET last_id = NEW.id, hash = NEW.hash;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_zz_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

-- Refusing UPDATE, DELETE and TRUNCATE, also to the owner (tvp_app has not the privileges
-- either). A DELETE passes only for the rows audit_log_delete_before cuts off: it names the
-- last of them in tvp.audit_delete_through for the length of its DELETE.
-- +goose StatementBegin
CREATE FUNCTION audit_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND OLD.id <= coalesce(nullif(current_setting('tvp.audit_delete_through', true), '')::bigint, 0) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'old entries leave the log only through retention, audit_log_delete_before(cutoff)';
END $$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse();

-- Retention: deletes the chain's oldest segment, the rows before the first row at or after
-- the cutoff in id order (never a row from the middle), and appends a row recording it
-- (action audit.retention; details: deleted, last_id, last_hash in hex, before). The first
-- row left carries last_hash as its prev_hash: verify starts the chain from that record.
-- Returns how many rows were deleted; deleting none appends nothing.
-- +goose StatementBegin
CREATE FUNCTION audit_log_delete_before(cutoff timestamptz) RETURNS bigint LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    first_kept bigint;
    last_id    bigint;
    last_hash  bytea;
    n          bigint;
BEGIN
    PERFORM 1 FROM audit_chain_head FOR UPDATE; -- no append in between
    SELECT a.id INTO first_kept FROM audit_log a WHERE a.at >= cutoff ORDER BY a.id LIMIT 1;
    SELECT a.id, a.hash INTO last_id, last_hash FROM audit_log a
     WHERE first_kept IS NULL OR a.id < first_kept ORDER BY a.id DESC LIMIT 1;
    IF last_id IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM set_config('tvp.audit_delete_through', last_id::text, true);
    DELETE FROM audit_log WHERE id <= last_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM set_config('tvp.audit_delete_through', '', true);
    INSERT INTO audit_log (actor_id, action, subject_type, subject_id, purpose, details)
    VALUES ('system', 'audit.retention', 'audit_log', last_id::text, 'retention',
            jsonb_build_object('deleted', n, 'last_id', last_id, 'last_hash', encode(last_hash, 'hex'),
                               'before', cutoff));
    RETURN n;
END $$;
-- +goose StatementEnd

ALTER FUNCTION audit_field(text) OWNER TO tvp_owner;
ALTER FUNCTION audit_field(bytea) OWNER TO tvp_owner;
ALTER FUNCTION audit_log_hash(bytea, audit_log) OWNER TO tvp_owner;
ALTER FUNCTION audit_log_chain() OWNER TO tvp_owner;
ALTER FUNCTION audit_log_refuse() OWNER TO tvp_owner;
ALTER FUNCTION audit_log_delete_before(timestamptz) OWNER TO tvp_owner;
REVOKE ALL ON FUNCTION audit_log_delete_before(timestamptz) FROM PUBLIC;

-- The application's privileges: everything it needs on every other table and sequence; on
-- audit_log INSERT and SELECT only; the chain head and the migrations' versions to read;
-- retention through its function. Tables and sequences that later migrations create (as the
-- same migrating login) get the same by default.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO tvp_app;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO tvp_app;
REVOKE ALL ON audit_log, audit_chain_head, goose_db_version FROM tvp_app;
REVOKE ALL ON SEQUENCE audit_log_id_seq FROM tvp_app;
GRANT SELECT, INSERT ON audit_log TO tvp_app;
GRANT SELECT ON audit_chain_head, goose_db_version TO tvp_app;
GRANT EXECUTE ON FUNCTION audit_log_delete_before(timestamptz) TO tvp_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO tvp_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO tvp_app;

-- +goose Down
-- The roles stay: they belong to the cluster, and other databases may use them.
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM tvp_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM tvp_app;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM tvp_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM tvp_app;
DROP TRIGGER audit_log_no_truncate ON audit_log;
DROP TRIGGER audit_log_no_delete ON audit_log;
DROP TRIGGER audit_log_no_update ON audit_log;
DROP TRIGGER audit_log_zz_chain ON audit_log;
DROP FUNCTION audit_log_delete_before(timestamptz);
DROP FUNCTION audit_log_refuse();
DROP FUNCTION audit_log_chain();
DROP FUNCTION audit_log_hash(bytea, audit_log);
DROP FUNCTION audit_field(bytea);
DROP FUNCTION audit_field(text);
DROP TABLE audit_chain_head;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_at_finite;
ALTER TABLE audit_log ALTER COLUMN id SET DEFAULT nextval('audit_log_id_seq');
ALTER TABLE audit_log DROP COLUMN hash, DROP COLUMN prev_hash;
ALTER TABLE audit_log OWNER TO CURRENT_USER;
REVOKE ALL ON SCHEMA public FROM tvp_owner, tvp_app;
-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
