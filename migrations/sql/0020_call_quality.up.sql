-- Call quality as the browsers measure it (bitrate, round-trip time, jitter,
-- packet loss), a sample every few seconds per participant, kept with the
-- session for later review. Numbers only: never any media content.

CREATE TABLE call_quality_samples (
    id                  uuid PRIMARY KEY,
    org_id              uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    session_id          uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    participant_id      uuid NOT NULL REFERENCES room_participants (id) ON DELETE CASCADE,
    -- The caucus the participant was in (none: the main room).
    breakout_room_id    uuid REFERENCES breakout_rooms (id) ON DELETE SET NULL,
    measured_at         timestamptz NOT NULL DEFAULT now(),
    bitrate_kbps        integer NOT NULL,
    round_trip_ms       integer NOT NULL,
    jitter_ms           real NOT NULL,
    packet_loss_percent real NOT NULL,
    CONSTRAINT call_quality_ranges CHECK (
        bitrate_kbps BETWEEN 0 AND 100000 AND round_trip_ms BETWEEN 0 AND 60000
        AND jitter_ms BETWEEN 0 AND 60000 AND packet_loss_percent BETWEEN 0 AND 100)
);
CREATE INDEX call_quality_samples_session_idx ON call_quality_samples (org_id, session_id, measured_at);
CREATE INDEX call_quality_samples_participant_idx ON call_quality_samples (participant_id, measured_at DESC);
ALTER TABLE call_quality_samples ENABLE ROW LEVEL SECURITY;
ALTER TABLE call_quality_samples FORCE ROW LEVEL SECURITY;
CREATE POLICY call_quality_samples_tenant ON call_quality_samples
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT ON call_quality_samples TO caucus_app;
