-- Consents: a person's acceptance of a document version (the platform's terms,
-- its privacy notice, an organization's confidentiality agreement), with when
-- and in what context. Append-only for the API.
CREATE TABLE consents (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES organizations (id),
    user_id     uuid NOT NULL REFERENCES users (id),
    document    text NOT NULL,
    version     text NOT NULL,
    context     text NOT NULL,
    ip          text,
    user_agent  text,
    accepted_at timestamptz NOT NULL DEFAULT now(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT consents_document_known CHECK (document IN ('terms', 'privacy', 'confidentiality')),
    CONSTRAINT consents_context_known CHECK (context IN ('sign_up', 'settings', 'session_lobby', 'intake')),
    CONSTRAINT consents_version_length CHECK (char_length(version) BETWEEN 1 AND 64),
    CONSTRAINT consents_once_per_version UNIQUE (org_id, user_id, document, version)
);
CREATE INDEX consents_org_user_idx ON consents (org_id, user_id, accepted_at DESC);

ALTER TABLE consents ENABLE ROW LEVEL SECURITY;
ALTER TABLE consents FORCE ROW LEVEL SECURITY;
CREATE POLICY consents_read ON consents FOR SELECT USING (org_id = app_current_org());
CREATE POLICY consents_append ON consents FOR INSERT
    WITH CHECK (org_id = app_current_org() AND user_id = app_current_user());

GRANT SELECT, INSERT ON consents TO caucus_app;
