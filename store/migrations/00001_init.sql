-- +goose Up
-- The read model, plans, meetings, reminder inbox and audit log of TVP.
-- Workflows own the truth of a running process; these tables are written by activities
-- (idempotently, keyed by workflow and step) and read by the API's lists and reports.

CREATE TABLE teams (
    id           text PRIMARY KEY,
    name         text NOT NULL,
    centre       text NOT NULL CHECK (centre IN ('boern_og_laering', 'sundhed_og_omsorg', 'arbejdsmarked')),
    target_group text NOT NULL CHECK (target_group IN ('young', 'family')),
    settings     jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- A pause of a team (planned resume date; resumed_at set when it ends).
CREATE TABLE team_pauses (
    team_id        text NOT NULL REFERENCES teams (id),
    paused_at      timestamptz NOT NULL,
    planned_resume date NOT NULL,
    resumed_at     timestamptz,
    paused_by      text NOT NULL,
    reason         text NOT NULL DEFAULT '',
    PRIMARY KEY (team_id, paused_at)
);
CREATE UNIQUE INDEX team_pauses_one_open ON team_pauses (team_id) WHERE resumed_at IS NULL;

CREATE TABLE staff (
    id             text PRIMARY KEY,            -- the login name; never a CPR number
    name           text NOT NULL,
    email          text NOT NULL DEFAULT '',
    team_id        text REFERENCES teams (id),
    centre         text CHECK (centre IN ('boern_og_laering', 'sundhed_og_omsorg', 'arbejdsmarked')),
    hours_per_week numeric(5, 2) NOT NULL DEFAULT 37 CHECK (hours_per_week >= 0),
    lead_id        text REFERENCES staff (id),  -- whom escalations go to
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staff_roles (
    staff_id text NOT NULL REFERENCES staff (id),
    role     text NOT NULL CHECK (role IN ('consultant', 'team_lead', 'steering_group', 'coordinator',
                                           'coordinating_caseworker', 'caseworker', 'admin')),
    PRIMARY KEY (staff_id, role)
);

-- A citizen is known by a pseudonymous id. The CPR number is not stored: only a keyed
-- HMAC-SHA256 of it (the key is configuration), to recognise the same person again.
CREATE TABLE citizens (
    id         uuid PRIMARY KEY,
    cpr_hmac   bytea UNIQUE,
    name       text NOT NULL,
    birth_date date,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Borgerkonsulent courses (read model).
CREATE TABLE courses (
    id             uuid PRIMARY KEY,
    workflow_id    text NOT NULL UNIQUE,
    team_id        text NOT NULL REFERENCES teams (id),
    kind           text NOT NULL CHECK (kind IN ('young', 'family')),
    phase          text NOT NULL,
    start_date     date NOT NULL,
    planned_end    date NOT NULL,
    next_deadline  timestamptz,
    next_action    text NOT NULL DEFAULT '',
    outcome        text,
    closed_on      date,
    referred_by    text NOT NULL,
    revision       bigint NOT NULL DEFAULT 0,   -- the workflow's state revision: older writes lose
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX courses_team_phase ON courses (team_id, phase);
CREATE INDEX courses_next_deadline ON courses (next_deadline) WHERE closed_on IS NULL;

CREATE TABLE course_citizens (
    course_id  uuid NOT NULL REFERENCES courses (id),
    citizen_id uuid NOT NULL REFERENCES citizens (id),
    team_id    text NOT NULL REFERENCES teams (id),
    active     boolean NOT NULL DEFAULT true,
    PRIMARY KEY (course_id, citizen_id)
);
-- One active course per citizen per team.
CREATE UNIQUE INDEX course_citizens_one_active ON course_citizens (team_id, citizen_id) WHERE active;
CREATE INDEX course_citizens_citizen ON course_citizens (citizen_id);

CREATE TABLE course_consultants (
    course_id       uuid NOT NULL REFERENCES courses (id),
    staff_id        text NOT NULL REFERENCES staff (id),
    active          boolean NOT NULL DEFAULT true,
    override_by     text,           -- a team lead who allowed a caseload beyond the norm
    override_reason text,
    assigned_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (course_id, staff_id)
);
CREATE INDEX course_consultants_staff ON course_consultants (staff_id) WHERE active;

CREATE TABLE course_progressions (
    course_id   uuid NOT NULL REFERENCES courses (id),
    seq         integer NOT NULL,
    recorded_at timestamptz NOT NULL,
    recorded_by text NOT NULL,
    scores      jsonb NOT NULL,
    note        text NOT NULL,
    PRIMARY KEY (course_id, seq)
);

CREATE TABLE course_extensions (
    course_id    uuid NOT NULL REFERENCES courses (id),
    seq          integer NOT NULL,
    requested_at timestamptz NOT NULL,
    requested_by text NOT NULL,
    reason       text NOT NULL,
    old_end      date NOT NULL,
    new_end      date NOT NULL,
    decision     text CHECK (decision IN ('approved', 'rejected')),
    decided_at   timestamptz,
    decided_by   text,
    decision_reason text,
    PRIMARY KEY (course_id, seq)
);
CREATE INDEX course_extensions_pending ON course_extensions (requested_at) WHERE decision IS NULL;

-- Collaboration model (samarbejdsmodellen): one plan per citizen enrolment.
CREATE TABLE collaboration_plans (
    id                         uuid PRIMARY KEY,
    workflow_id                text NOT NULL UNIQUE,
    citizen_id                 uuid NOT NULL REFERENCES citizens (id),
    coordinator_id             text NOT NULL REFERENCES staff (id),
    coordinating_caseworker_id text NOT NULL REFERENCES staff (id),
    phase                      text NOT NULL,
    consent_scope              text,
    consent_date               date,
    consent_recorded_by        text,
    next_meeting_at            timestamptz,
    next_deadline              timestamptz,
    next_action                text NOT NULL DEFAULT '',
    from_course_id             uuid REFERENCES courses (id),
    ended_on                   date,
    end_reason                 text,
    revision                   bigint NOT NULL DEFAULT 0,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX collaboration_plans_one_active ON collaboration_plans (citizen_id) WHERE ended_on IS NULL;
CREATE INDEX collaboration_plans_coordinator ON collaboration_plans (coordinator_id, phase);
CREATE INDEX collaboration_plans_next_deadline ON collaboration_plans (next_deadline) WHERE ended_on IS NULL;

CREATE TABLE collaboration_participants (
    plan_id   uuid NOT NULL REFERENCES collaboration_plans (id),
    staff_id  text NOT NULL REFERENCES staff (id),
    role      text NOT NULL CHECK (role IN ('coordinator', 'coordinating_caseworker', 'caseworker')),
    centre    text CHECK (centre IN ('boern_og_laering', 'sundhed_og_omsorg', 'arbejdsmarked')),
    joined_at timestamptz NOT NULL,
    left_at   timestamptz,
    PRIMARY KEY (plan_id, staff_id, role, joined_at)
);
CREATE INDEX collaboration_participants_staff ON collaboration_participants (staff_id) WHERE left_at IS NULL;

CREATE TABLE meetings (
    plan_id             uuid NOT NULL REFERENCES collaboration_plans (id),
    seq                 integer NOT NULL,
    kind                text NOT NULL CHECK (kind IN ('cross_disciplinary', 'citizen')),
    scheduled_at        timestamptz,
    invitation_sent_at  timestamptz,
    held_at             timestamptz,
    citizen_present     boolean,
    minutes_recorded_at timestamptz,
    status              text NOT NULL,
    PRIMARY KEY (plan_id, seq)
);

-- The goals-and-agreements form (mål- og aftaleskema): every version is kept.
CREATE TABLE plan_form_versions (
    plan_id        uuid NOT NULL REFERENCES collaboration_plans (id),
    version        integer NOT NULL,
    meeting_seq    integer,
    changed_by     text NOT NULL,
    changed_at     timestamptz NOT NULL,
    change_summary text NOT NULL,
    form           jsonb NOT NULL,
    PRIMARY KEY (plan_id, version)
);

-- The reminder inbox. One row per occasion: the key is made in the workflow.
CREATE TABLE reminders (
    key          text PRIMARY KEY,
    recipient_id text NOT NULL REFERENCES staff (id),
    kind         text NOT NULL,
    subject_type text NOT NULL CHECK (subject_type IN ('course', 'plan', 'team')),
    subject_id   text NOT NULL,
    due_at       timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    done_at      timestamptz
);
CREATE INDEX reminders_inbox ON reminders (recipient_id, due_at) WHERE done_at IS NULL;
CREATE INDEX reminders_subject ON reminders (subject_type, subject_id) WHERE done_at IS NULL;

-- Audit log: who read or changed a citizen's data, when, why. Append-only.
CREATE TABLE audit_log (
    id           bigserial PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    actor_id     text NOT NULL,
    action       text NOT NULL,
    subject_type text NOT NULL,
    subject_id   text NOT NULL,
    citizen_id   uuid,
    purpose      text NOT NULL DEFAULT '',
    details      jsonb NOT NULL DEFAULT '{}',
    key          text UNIQUE       -- set by workflow activities, so a retry appends nothing
);
CREATE INDEX audit_log_citizen ON audit_log (citizen_id, at);
CREATE INDEX audit_log_at ON audit_log (at);

-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only;
DROP TABLE reminders;
DROP TABLE plan_form_versions;
DROP TABLE meetings;
DROP TABLE collaboration_participants;
DROP TABLE collaboration_plans;
DROP TABLE course_extensions;
DROP TABLE course_progressions;
DROP TABLE course_consultants;
DROP TABLE course_citizens;
DROP TABLE courses;
DROP TABLE citizens;
DROP TABLE staff_roles;
DROP TABLE staff;
DROP TABLE team_pauses;
DROP TABLE teams;
