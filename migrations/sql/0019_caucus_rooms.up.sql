-- Caucus (breakout) rooms: each its own LiveKit room, prepared before or
-- during a session by its mediator; where every participant is placed, kept
-- as history (who was where, when); and chat scoped to the room it was
-- written in.

CREATE TABLE breakout_rooms (
    id            uuid PRIMARY KEY,
    org_id        uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    session_id    uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    name          text NOT NULL,
    created_by    uuid REFERENCES users (id),
    status        text NOT NULL DEFAULT 'prepared',
    video_room_id text NOT NULL,
    -- A timer: when the caucus ends (everyone recalled after a grace period).
    ends_at       timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT breakout_rooms_status_known CHECK (status IN ('prepared', 'open', 'closed')),
    CONSTRAINT breakout_rooms_name_length CHECK (char_length(name) BETWEEN 1 AND 80),
    CONSTRAINT breakout_rooms_room_key UNIQUE (video_room_id)
);
CREATE INDEX breakout_rooms_session_idx ON breakout_rooms (org_id, session_id);
CREATE TRIGGER breakout_rooms_updated_at BEFORE UPDATE ON breakout_rooms FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE breakout_rooms ENABLE ROW LEVEL SECURITY;
ALTER TABLE breakout_rooms FORCE ROW LEVEL SECURITY;
CREATE POLICY breakout_rooms_tenant ON breakout_rooms
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE ON breakout_rooms TO caucus_app;

-- Where a participant is: the latest row without `ended_at`; no caucus is
-- the main room. `listen_only` is the mediator listening in without
-- publishing.
CREATE TABLE room_placements (
    id                uuid PRIMARY KEY,
    org_id            uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    session_id        uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    participant_id    uuid NOT NULL REFERENCES room_participants (id) ON DELETE CASCADE,
    breakout_room_id  uuid REFERENCES breakout_rooms (id) ON DELETE CASCADE,
    listen_only       boolean NOT NULL DEFAULT false,
    placed_by         uuid REFERENCES users (id),
    placed_at         timestamptz NOT NULL DEFAULT now(),
    ended_at          timestamptz
);
CREATE UNIQUE INDEX room_placements_current ON room_placements (participant_id) WHERE ended_at IS NULL;
CREATE INDEX room_placements_session_idx ON room_placements (org_id, session_id, placed_at);
ALTER TABLE room_placements ENABLE ROW LEVEL SECURITY;
ALTER TABLE room_placements FORCE ROW LEVEL SECURITY;
CREATE POLICY room_placements_tenant ON room_placements
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE ON room_placements TO caucus_app;

-- Chat belongs to the room it was written in (none: the main room);
-- a broadcast from the mediator is copied into every room.
ALTER TABLE session_chat_messages
    ADD COLUMN breakout_room_id uuid REFERENCES breakout_rooms (id) ON DELETE CASCADE,
    ADD COLUMN broadcast boolean NOT NULL DEFAULT false;
CREATE INDEX session_chat_messages_room_idx ON session_chat_messages (org_id, session_id, breakout_room_id, created_at);

