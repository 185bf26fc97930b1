-- Cases: per-tenant data keys, versioned intake templates, intake drafts,
-- cases with their parties and submitted intakes, the case timeline, and the
-- mediator's private notes.
--
-- Content (titles, names, narratives, reasons, notes) is sealed with the
-- tenant's data key before it reaches the database: the columns ending in
-- `_sealed` hold `nonce ‖ ciphertext`. Searching them goes through blind
-- indexes (`search_tokens`, `email_hash`): keyed hashes of normalized words,
-- from a key derived from the same tenant key, so destroying the key also
-- makes the indexes meaningless.

-- The tenant's data key, wrapped by the installation's key-encryption key.
-- Deleting the row crypto-shreds every sealed value of the tenant.
CREATE TABLE org_data_keys (
    org_id      uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    wrapped_key bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE org_data_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_data_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY org_data_keys_tenant ON org_data_keys
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT ON org_data_keys TO caucus_app;

-- Intake templates, one row per version of a dispute type's template. A case
-- keeps the version it was filed under; publishing a change adds a version.
CREATE TABLE intake_templates (
    id           uuid PRIMARY KEY,
    org_id       uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    dispute_type text NOT NULL,
    version      integer NOT NULL,
    name         text NOT NULL,
    definition   jsonb NOT NULL,
    active       boolean NOT NULL DEFAULT true,
    created_by   uuid REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT intake_templates_dispute_type_format CHECK (dispute_type ~ '^[a-z][a-z0-9_]{1,39}$'),
    CONSTRAINT intake_templates_version_positive CHECK (version >= 1),
    CONSTRAINT intake_templates_name_length CHECK (char_length(name) BETWEEN 1 AND 120),
    CONSTRAINT intake_templates_version_key UNIQUE (org_id, dispute_type, version)
);
CREATE TRIGGER intake_templates_updated_at BEFORE UPDATE ON intake_templates FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE intake_templates ENABLE ROW LEVEL SECURITY;
ALTER TABLE intake_templates FORCE ROW LEVEL SECURITY;
CREATE POLICY intake_templates_tenant ON intake_templates
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT ON intake_templates TO caucus_app;
GRANT UPDATE (active) ON intake_templates TO caucus_app;

-- Cases. `version` is the optimistic-concurrency counter of case edits.
CREATE TABLE cases (
    id               uuid PRIMARY KEY,
    org_id           uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    reference        text NOT NULL,
    dispute_type     text NOT NULL,
    template_id      uuid NOT NULL REFERENCES intake_templates (id),
    status           text NOT NULL DEFAULT 'intake',
    title_sealed     bytea NOT NULL,
    search_tokens    bytea[] NOT NULL DEFAULT '{}',
    opened_at        timestamptz NOT NULL DEFAULT now(),
    status_changed_at timestamptz NOT NULL DEFAULT now(),
    closed_at        timestamptz,
    archived_at      timestamptz,
    lead_mediator_id uuid REFERENCES users (id),
    case_manager_id  uuid REFERENCES users (id),
    outcome          text,
    outcome_at       timestamptz,
    metadata_json    jsonb NOT NULL DEFAULT '{}'::jsonb,
    version          integer NOT NULL DEFAULT 1,
    created_by       uuid REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cases_reference_key UNIQUE (org_id, reference),
    CONSTRAINT cases_reference_format CHECK (reference ~ '^[A-Z0-9-]{4,32}$'),
    CONSTRAINT cases_status_known CHECK (status IN ('intake', 'triage', 'assigned', 'scheduling',
        'in_mediation', 'settled', 'partially_settled', 'impasse', 'withdrawn', 'declined',
        'closed', 'archived')),
    CONSTRAINT cases_outcome_known CHECK (outcome IS NULL OR outcome IN
        ('settled', 'partially_settled', 'impasse', 'withdrawn', 'declined')),
    CONSTRAINT cases_outcome_dated CHECK ((outcome IS NULL) = (outcome_at IS NULL)),
    CONSTRAINT cases_tokens_bounded CHECK (cardinality(search_tokens) <= 256)
);
CREATE INDEX cases_org_status_idx ON cases (org_id, status, opened_at, id);
CREATE INDEX cases_org_opened_idx ON cases (org_id, opened_at DESC, id DESC);
CREATE INDEX cases_mediator_idx ON cases (org_id, lead_mediator_id, opened_at DESC, id DESC) WHERE lead_mediator_id IS NOT NULL;
CREATE INDEX cases_manager_idx ON cases (org_id, case_manager_id, opened_at DESC, id DESC) WHERE case_manager_id IS NOT NULL;
CREATE INDEX cases_search_idx ON cases USING gin (search_tokens);
CREATE TRIGGER cases_updated_at BEFORE UPDATE ON cases FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE cases ENABLE ROW LEVEL SECURITY;
ALTER TABLE cases FORCE ROW LEVEL SECURITY;
CREATE POLICY cases_tenant ON cases
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE ON cases TO caucus_app;

-- The per-tenant counter behind case references (RMS-2026-000123).
CREATE TABLE case_reference_counters (
    org_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    year       integer NOT NULL,
    last_value integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, year)
);
CREATE TRIGGER case_reference_counters_updated_at BEFORE UPDATE ON case_reference_counters FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE case_reference_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE case_reference_counters FORCE ROW LEVEL SECURITY;
CREATE POLICY case_reference_counters_tenant ON case_reference_counters
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE ON case_reference_counters TO caucus_app;

-- The people on a case. A party may not have an account yet (named by the
-- claimant, not yet invited). Representatives (counsel) act for one party and
-- stand on its side.
CREATE TABLE parties (
    id                  uuid PRIMARY KEY,
    org_id              uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    case_id             uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    user_id             uuid REFERENCES users (id),
    party_type          text NOT NULL,
    side                text NOT NULL,
    represents_party_id uuid REFERENCES parties (id),
    name_sealed         bytea NOT NULL,
    email_sealed        bytea,
    email_hash          bytea,
    name_hash           bytea NOT NULL,
    verified_at         timestamptz,
    verification_method text,
    verified_by         uuid REFERENCES users (id),
    invited_at          timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT parties_type_known CHECK (party_type IN ('claimant', 'respondent', 'other', 'representative')),
    CONSTRAINT parties_side_known CHECK (side IN ('claimant', 'respondent', 'neutral')),
    CONSTRAINT parties_representative_links CHECK ((party_type = 'representative') = (represents_party_id IS NOT NULL)),
    CONSTRAINT parties_verification_complete CHECK ((verified_at IS NULL) = (verification_method IS NULL)),
    CONSTRAINT parties_verification_known CHECK (verification_method IS NULL OR verification_method IN
        ('photo_id_video', 'photo_id_in_person', 'known_to_staff', 'court_referral', 'provider')),
    CONSTRAINT parties_email_pair CHECK ((email_sealed IS NULL) = (email_hash IS NULL))
);
CREATE INDEX parties_case_idx ON parties (org_id, case_id);
CREATE INDEX parties_user_idx ON parties (org_id, user_id) WHERE user_id IS NOT NULL;
CREATE INDEX parties_email_hash_idx ON parties (org_id, email_hash) WHERE email_hash IS NOT NULL;
CREATE INDEX parties_name_hash_idx ON parties (org_id, name_hash);
CREATE UNIQUE INDEX parties_one_account_per_case ON parties (case_id, user_id) WHERE user_id IS NOT NULL;
CREATE TRIGGER parties_updated_at BEFORE UPDATE ON parties FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE parties ENABLE ROW LEVEL SECURITY;
ALTER TABLE parties FORCE ROW LEVEL SECURITY;
CREATE POLICY parties_tenant ON parties
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE ON parties TO caucus_app;

-- An intake in progress: the person's alone (no staff member reads a draft),
-- resumable on any device. `case_id` is set for a respondent's intake.
CREATE TABLE intake_drafts (
    id             uuid PRIMARY KEY,
    org_id         uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id        uuid NOT NULL REFERENCES users (id),
    template_id    uuid NOT NULL REFERENCES intake_templates (id),
    case_id        uuid REFERENCES cases (id) ON DELETE CASCADE,
    answers_sealed bytea NOT NULL,
    current_step   integer NOT NULL DEFAULT 0,
    version        integer NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT intake_drafts_step_range CHECK (current_step BETWEEN 0 AND 100),
    CONSTRAINT intake_drafts_size CHECK (octet_length(answers_sealed) <= 262144)
);
CREATE INDEX intake_drafts_user_idx ON intake_drafts (org_id, user_id, updated_at DESC);
CREATE UNIQUE INDEX intake_drafts_one_per_case ON intake_drafts (user_id, case_id) WHERE case_id IS NOT NULL;
CREATE TRIGGER intake_drafts_updated_at BEFORE UPDATE ON intake_drafts FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE intake_drafts ENABLE ROW LEVEL SECURITY;
ALTER TABLE intake_drafts FORCE ROW LEVEL SECURITY;
CREATE POLICY intake_drafts_owner ON intake_drafts
    USING (org_id = app_current_org() AND user_id = app_current_user())
    WITH CHECK (org_id = app_current_org() AND user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON intake_drafts TO caucus_app;

-- A submitted intake (the claimant's or a respondent's), sealed whole. Which
-- answers the other side may read is decided by the template's field
-- visibility, in the authorization module.
CREATE TABLE case_submissions (
    id             uuid PRIMARY KEY,
    org_id         uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    case_id        uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    party_id       uuid NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
    template_id    uuid NOT NULL REFERENCES intake_templates (id),
    answers_sealed bytea NOT NULL,
    submitted_by   uuid NOT NULL REFERENCES users (id),
    submitted_at   timestamptz NOT NULL DEFAULT now(),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT case_submissions_once_per_party UNIQUE (party_id)
);
CREATE INDEX case_submissions_case_idx ON case_submissions (org_id, case_id);
ALTER TABLE case_submissions ENABLE ROW LEVEL SECURITY;
ALTER TABLE case_submissions FORCE ROW LEVEL SECURITY;
CREATE POLICY case_submissions_tenant ON case_submissions
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT ON case_submissions TO caucus_app;

-- The case timeline: append-only. `detail` holds identifiers and state names
-- only; anything a person wrote (a reason) is in `note_sealed`. `visibility`
-- says who on the case may see the entry.
CREATE TABLE case_events (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    case_id     uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    actor_id    uuid REFERENCES users (id),
    kind        text NOT NULL,
    visibility  text NOT NULL,
    detail      jsonb NOT NULL DEFAULT '{}'::jsonb,
    note_sealed bytea,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT case_events_kind_format CHECK (kind ~ '^[a-z][a-z_.]{1,63}$'),
    CONSTRAINT case_events_visibility_known CHECK (visibility IN
        ('everyone', 'claimant_side', 'respondent_side', 'staff', 'mediator'))
);
CREATE INDEX case_events_case_idx ON case_events (org_id, case_id, created_at, id);
ALTER TABLE case_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE case_events FORCE ROW LEVEL SECURITY;
CREATE POLICY case_events_read ON case_events FOR SELECT USING (org_id = app_current_org());
CREATE POLICY case_events_append ON case_events FOR INSERT WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT ON case_events TO caucus_app;

-- The mediator's private notes: readable and writable by their author alone,
-- enforced here as well as in the authorization module (not even an org
-- admin's transaction can see another person's notes).
CREATE TABLE case_notes (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    case_id     uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    author_id   uuid NOT NULL REFERENCES users (id),
    body_sealed bytea NOT NULL,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT case_notes_size CHECK (octet_length(body_sealed) <= 131072)
);
CREATE INDEX case_notes_case_idx ON case_notes (org_id, case_id, author_id, created_at DESC);
CREATE TRIGGER case_notes_updated_at BEFORE UPDATE ON case_notes FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE case_notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE case_notes FORCE ROW LEVEL SECURITY;
CREATE POLICY case_notes_author ON case_notes
    USING (org_id = app_current_org() AND author_id = app_current_user())
    WITH CHECK (org_id = app_current_org() AND author_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON case_notes TO caucus_app;

-- An invitation sent to a party of a case: accepting it links the account to
-- that party.
ALTER TABLE invitations ADD COLUMN party_id uuid REFERENCES parties (id) ON DELETE SET NULL;
