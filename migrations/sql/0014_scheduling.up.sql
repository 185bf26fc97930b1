-- Scheduling: mediators' working weeks in their own zones, exceptions and
-- time off; parties' availability windows per case; offers of slots to the
-- parties with their picks; and booked sessions, which the database keeps
-- from overlapping for one mediator (buffer included), so two bookings
-- racing for the same time cannot both win.

-- Equality on uuid inside a GiST exclusion constraint.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- A mediator's working week in one organization, in the mediator's zone:
-- `weekly_hours` is seven lists (Monday first) of local {start, end} ranges.
CREATE TABLE mediator_availability (
    org_id       uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id      uuid NOT NULL REFERENCES users (id),
    time_zone    text NOT NULL,
    weekly_hours jsonb NOT NULL,
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, user_id),
    CONSTRAINT mediator_availability_size CHECK (octet_length(weekly_hours::text) <= 16384),
    CONSTRAINT mediator_availability_zone_format CHECK (time_zone ~ '^[A-Za-z0-9_+/-]{1,64}$')
);
CREATE TRIGGER mediator_availability_updated_at BEFORE UPDATE ON mediator_availability FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE mediator_availability ENABLE ROW LEVEL SECURITY;
ALTER TABLE mediator_availability FORCE ROW LEVEL SECURITY;
CREATE POLICY mediator_availability_tenant ON mediator_availability
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE ON mediator_availability TO caucus_app;

-- A local date on which a mediator works other hours than usual (none: closed).
CREATE TABLE availability_exceptions (
    id         uuid PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id),
    on_date    date NOT NULL,
    ranges     jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT availability_exceptions_once UNIQUE (org_id, user_id, on_date),
    CONSTRAINT availability_exceptions_size CHECK (octet_length(ranges::text) <= 4096)
);
ALTER TABLE availability_exceptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE availability_exceptions FORCE ROW LEVEL SECURITY;
CREATE POLICY availability_exceptions_tenant ON availability_exceptions
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE, DELETE ON availability_exceptions TO caucus_app;

-- Time a mediator is away, or busy in a connected calendar (`source`).
CREATE TABLE mediator_busy (
    id         uuid PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id),
    during     tstzrange NOT NULL,
    source     text NOT NULL DEFAULT 'time_off',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT mediator_busy_not_empty CHECK (NOT isempty(during) AND NOT lower_inf(during) AND NOT upper_inf(during)),
    CONSTRAINT mediator_busy_source_known CHECK (source IN ('time_off', 'calendar'))
);
CREATE INDEX mediator_busy_during_idx ON mediator_busy USING gist (org_id, user_id, during);
ALTER TABLE mediator_busy ENABLE ROW LEVEL SECURITY;
ALTER TABLE mediator_busy FORCE ROW LEVEL SECURITY;
CREATE POLICY mediator_busy_tenant ON mediator_busy
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, DELETE ON mediator_busy TO caucus_app;

-- When a party can attend, for one case. A party's windows never overlap.
CREATE TABLE party_availability (
    id         uuid PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    case_id    uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    party_id   uuid NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
    during     tstzrange NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT party_availability_not_empty CHECK (NOT isempty(during) AND NOT lower_inf(during) AND NOT upper_inf(during)),
    CONSTRAINT party_availability_no_overlap EXCLUDE USING gist (party_id WITH =, during WITH &&)
);
CREATE INDEX party_availability_case_idx ON party_availability (org_id, case_id);
ALTER TABLE party_availability ENABLE ROW LEVEL SECURITY;
ALTER TABLE party_availability FORCE ROW LEVEL SECURITY;
CREATE POLICY party_availability_tenant ON party_availability
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, DELETE ON party_availability TO caucus_app;

-- Sessions. `blocked` is the session widened by half the organization's
-- buffer on each side: two booked sessions of one mediator whose blocked
-- ranges overlap would be closer than the buffer, and the exclusion
-- constraint refuses the second, whichever transaction commits last.
CREATE TABLE sessions (
    id                 uuid PRIMARY KEY,
    org_id             uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    case_id            uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    mediator_id        uuid NOT NULL REFERENCES users (id),
    scheduled_for      timestamptz NOT NULL,
    duration_minutes   integer NOT NULL,
    blocked            tstzrange NOT NULL,
    status             text NOT NULL DEFAULT 'booked',
    video_room_id      text NOT NULL,
    access_policy_json jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- The ICS SEQUENCE: raised on every change the calendars must follow.
    sequence           integer NOT NULL DEFAULT 0,
    booked_by          uuid REFERENCES users (id),
    version            integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sessions_duration_range CHECK (duration_minutes BETWEEN 15 AND 480),
    CONSTRAINT sessions_status_known CHECK (status IN ('booked', 'cancelled', 'completed')),
    CONSTRAINT sessions_room_key UNIQUE (video_room_id),
    CONSTRAINT sessions_no_double_booking EXCLUDE USING gist (org_id WITH =, mediator_id WITH =, blocked WITH &&)
        WHERE (status = 'booked')
);
CREATE INDEX sessions_case_idx ON sessions (org_id, case_id, scheduled_for);
CREATE TRIGGER sessions_updated_at BEFORE UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY sessions_tenant ON sessions
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE ON sessions TO caucus_app;
