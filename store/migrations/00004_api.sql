-- +goose Up
-- Idempotency of POST requests: the first answer to a key is kept and given again.
CREATE TABLE idempotency_keys (
    actor_id     text NOT NULL,
    key          text NOT NULL,
    method       text NOT NULL,
    path         text NOT NULL,
    request_hash bytea NOT NULL,
    status       integer,              -- NULL while the first request is in flight
    body         bytea,
    content_type text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Lists: keyset pagination by creation, newest first.
CREATE INDEX courses_created ON courses (created_at DESC, id DESC);
CREATE INDEX collaboration_plans_created ON collaboration_plans (created_at DESC, id DESC);
CREATE INDEX collaboration_plans_caseworker ON collaboration_plans (coordinating_caseworker_id, phase);

-- +goose Down
DROP INDEX collaboration_plans_caseworker;
DROP INDEX collaboration_plans_created;
DROP INDEX courses_created;
DROP TABLE idempotency_keys;
