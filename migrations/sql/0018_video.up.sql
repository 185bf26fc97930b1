-- Video sessions on LiveKit: who may be in a session's room, how they got
-- there and where they stand (lobby, admitted, removed), the session's own
-- video state (locked, ended), and the main room's chat, sealed at rest.

ALTER TABLE sessions
    ADD COLUMN video_locked_at  timestamptz,
    ADD COLUMN video_ended_at   timestamptz;

-- The plan's RoomParticipant. A join link's token is never stored: only its
-- SHA-256. Redeeming the link binds it to the browser's public key (SPKI
-- DER of a non-extractable P-256 key); every later join signs a challenge.
CREATE TABLE room_participants (
    id               uuid PRIMARY KEY,
    org_id           uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    session_id       uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    -- A party (with or without an account yet), or staff by account.
    party_id         uuid REFERENCES parties (id) ON DELETE CASCADE,
    user_id          uuid REFERENCES users (id),
    role             text NOT NULL,
    join_token_hash  bytea,
    link_expires_at  timestamptz,
    link_redeemed_at timestamptz,
    device_key       bytea,
    admission        text NOT NULL DEFAULT 'none',
    lobby_entered_at timestamptz,
    lobby_answers    jsonb,
    admitted_at      timestamptz,
    admitted_by      uuid REFERENCES users (id),
    joined_at        timestamptz,
    left_at          timestamptz,
    revoked_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT room_participants_role_known CHECK (role IN ('mediator', 'co_mediator', 'party', 'representative', 'observer')),
    CONSTRAINT room_participants_admission_known CHECK (admission IN ('none', 'waiting', 'admitted', 'declined', 'removed')),
    CONSTRAINT room_participants_someone CHECK (party_id IS NOT NULL OR user_id IS NOT NULL),
    CONSTRAINT room_participants_link_pair CHECK ((join_token_hash IS NULL) = (link_expires_at IS NULL)),
    CONSTRAINT room_participants_key_size CHECK (device_key IS NULL OR octet_length(device_key) BETWEEN 59 AND 200),
    CONSTRAINT room_participants_answers_size CHECK (lobby_answers IS NULL OR octet_length(lobby_answers::text) <= 4096)
);
CREATE UNIQUE INDEX room_participants_token_idx ON room_participants (join_token_hash) WHERE join_token_hash IS NOT NULL;
CREATE UNIQUE INDEX room_participants_party_once ON room_participants (session_id, party_id) WHERE party_id IS NOT NULL;
CREATE UNIQUE INDEX room_participants_staff_once ON room_participants (session_id, user_id) WHERE party_id IS NULL;
CREATE INDEX room_participants_session_idx ON room_participants (org_id, session_id);
CREATE TRIGGER room_participants_updated_at BEFORE UPDATE ON room_participants FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE room_participants ENABLE ROW LEVEL SECURITY;
ALTER TABLE room_participants FORCE ROW LEVEL SECURITY;
CREATE POLICY room_participants_tenant ON room_participants
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE ON room_participants TO caucus_app;

-- A join link is opened before any tenant is known: the organization of a
-- token's hash. LiveKit's webhooks name a participant by id: its organization.
CREATE FUNCTION unscoped_join_link_org(p_token_hash bytea)
    RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT p.org_id FROM room_participants p WHERE p.join_token_hash = p_token_hash $$;
REVOKE ALL ON FUNCTION unscoped_join_link_org(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION unscoped_join_link_org(bytea) TO caucus_app;
CREATE FUNCTION unscoped_room_participant_org(p_id uuid)
    RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT p.org_id FROM room_participants p WHERE p.id = p_id $$;
REVOKE ALL ON FUNCTION unscoped_room_participant_org(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION unscoped_room_participant_org(uuid) TO caucus_app;

-- The main room's chat: only the session's admitted participants read it.
CREATE TABLE session_chat_messages (
    id             uuid PRIMARY KEY,
    org_id         uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    session_id     uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    participant_id uuid NOT NULL REFERENCES room_participants (id) ON DELETE CASCADE,
    -- XChaCha20-Poly1305 under the tenant key, bound to the message's id.
    body_sealed    bytea NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX session_chat_messages_session_idx ON session_chat_messages (org_id, session_id, created_at);
ALTER TABLE session_chat_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE session_chat_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY session_chat_messages_tenant ON session_chat_messages
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT ON session_chat_messages TO caucus_app;
