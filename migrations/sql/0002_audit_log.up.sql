-- The audit log: append-only, hash-chained per organization.
--
-- Each entry's hash is SHA-256 over the previous entry's hash and the entry's
-- canonical text (see api/src/audit/chain.rs). Appends in one organization are
-- serialized by a transaction-level advisory lock, and (org_id, seq) is unique,
-- so the chain has no forks. The API role may insert and read, never update or
-- delete; `caucus audit verify` recomputes the chain and names the first broken link.

CREATE TABLE audit_log (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES organizations (id),
    seq         bigint NOT NULL,
    actor_id    uuid,
    action      text NOT NULL,
    target_type text,
    target_id   text,
    ip          text,
    user_agent  text,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    prev_hash   bytea NOT NULL,
    hash        bytea NOT NULL,
    CONSTRAINT audit_log_org_seq_key UNIQUE (org_id, seq),
    CONSTRAINT audit_log_action_format CHECK (action ~ '^[a-z][a-z0-9_.]{1,63}$'),
    CONSTRAINT audit_log_seq_positive CHECK (seq > 0),
    CONSTRAINT audit_log_user_agent_length CHECK (char_length(user_agent) <= 512)
);
CREATE INDEX audit_log_org_created_idx ON audit_log (org_id, created_at DESC, seq DESC);
CREATE INDEX audit_log_org_actor_idx ON audit_log (org_id, actor_id, seq DESC);

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_read ON audit_log FOR SELECT USING (org_id = app_current_org());
CREATE POLICY audit_log_append ON audit_log FOR INSERT WITH CHECK (org_id = app_current_org());

GRANT SELECT, INSERT ON audit_log TO caucus_app;
