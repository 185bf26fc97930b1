-- Meeting rooms: the organization's own rooms (a courthouse's mediation
-- rooms, a firm's offices) that a session can be held in, for sessions
-- with someone on site. A room is never in two booked sessions at once:
-- the exclusion constraint below refuses the second, whichever
-- transaction commits last, with the same buffer as the mediator's.
CREATE TABLE meeting_rooms (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name        text NOT NULL,
    location    text NOT NULL DEFAULT '',
    capacity    integer,
    -- Retired rooms keep their past sessions but take no new ones.
    retired_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT meeting_rooms_name_length CHECK (char_length(name) BETWEEN 1 AND 80),
    CONSTRAINT meeting_rooms_location_length CHECK (char_length(location) <= 200),
    CONSTRAINT meeting_rooms_capacity_range CHECK (capacity IS NULL OR capacity BETWEEN 1 AND 500),
    -- For the sessions' foreign key: a session's room is of its own organization.
    CONSTRAINT meeting_rooms_org_id_key UNIQUE (org_id, id)
);
CREATE UNIQUE INDEX meeting_rooms_name_key ON meeting_rooms (org_id, lower(name));
CREATE TRIGGER meeting_rooms_updated_at BEFORE UPDATE ON meeting_rooms FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE meeting_rooms ENABLE ROW LEVEL SECURITY;
ALTER TABLE meeting_rooms FORCE ROW LEVEL SECURITY;
CREATE POLICY meeting_rooms_tenant ON meeting_rooms
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE ON meeting_rooms TO caucus_app;

ALTER TABLE sessions ADD COLUMN meeting_room_id uuid;
ALTER TABLE sessions ADD CONSTRAINT sessions_meeting_room_fkey
    FOREIGN KEY (org_id, meeting_room_id) REFERENCES meeting_rooms (org_id, id);
ALTER TABLE sessions ADD CONSTRAINT sessions_no_meeting_room_double_booking
    EXCLUDE USING gist (org_id WITH =, meeting_room_id WITH =, blocked WITH &&)
    WHERE (status = 'booked' AND meeting_room_id IS NOT NULL);
-- A room's calendar: its sessions in time order.
CREATE INDEX sessions_meeting_room_idx ON sessions (org_id, meeting_room_id, scheduled_for)
    WHERE meeting_room_id IS NOT NULL;
