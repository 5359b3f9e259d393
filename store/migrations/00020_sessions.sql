-- +goose Up
-- Staff log in through the municipality's OpenID provider. A person is the provider's pair
-- (issuer, subject), linked to the staff register on first login by a verified claim the
-- configuration names (an e-mail, an employee number); a staff member has at most one
-- subject per issuer, so a second account at the provider with the same e-mail cannot take
-- over a linked one.
CREATE TABLE staff_identities (
    issuer     text NOT NULL,
    subject    text NOT NULL,
    staff_id   text NOT NULL REFERENCES staff (id),
    link_claim text NOT NULL,           -- the claim that linked them (email, employee_number, ...)
    link_value text NOT NULL,
    linked_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer, subject),
    UNIQUE (issuer, staff_id)
);

-- The pages' server-side sessions. The browser holds a random id; the table holds its
-- SHA-256 only, so a reader of the table cannot act as anyone. A session ends at logout or an
-- administrator's revocation (ended_at), after TVP_SESSION_IDLE_TIMEOUT without a request
-- (last_seen_at) and at expires_at (created_at + TVP_SESSION_MAX_AGE), whichever comes first.
CREATE TABLE sessions (
    id_hash      bytea PRIMARY KEY CHECK (length(id_hash) = 32),
    staff_id     text NOT NULL REFERENCES staff (id),
    issuer       text NOT NULL,
    subject      text NOT NULL,
    csrf_token   text NOT NULL,         -- sent back by every form and script post
    id_token     text NOT NULL DEFAULT '', -- the hint of the logout request at the provider
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    ended_at     timestamptz,
    ended_why    text CHECK (ended_why IN ('logout', 'revoked'))
);
CREATE INDEX sessions_staff ON sessions (staff_id) WHERE ended_at IS NULL;
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Logins begun at the provider and not yet come back: the nonce and the PKCE verifier stay
-- here, keyed by the SHA-256 of the state that the browser carries; each is taken once.
CREATE TABLE login_requests (
    state_hash    bytea PRIMARY KEY CHECK (length(state_hash) = 32),
    nonce         text NOT NULL,
    code_verifier text NOT NULL,
    next          text NOT NULL,
    created_at    timestamptz NOT NULL
);
CREATE INDEX login_requests_created ON login_requests (created_at);

-- +goose Down
DROP TABLE login_requests;
DROP TABLE sessions;
DROP TABLE staff_identities;
