-- The work on a case: the mediator roster with declared conflicts, proposed
-- and confirmed assignments (with the parties' answers), tasks with
-- reminders, and agreements drafted from templates, versioned and shared.

-- A mediator's roster entry in one organization.
CREATE TABLE mediator_profiles (
    org_id             uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id            uuid NOT NULL REFERENCES users (id),
    specialties        text[] NOT NULL DEFAULT '{}',
    languages          text[] NOT NULL DEFAULT '{en}',
    fee_band           text NOT NULL DEFAULT 'standard',
    max_active_cases   integer NOT NULL DEFAULT 20,
    accepting_cases    boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, user_id),
    CONSTRAINT mediator_profiles_fee_band_known CHECK (fee_band IN ('pro_bono', 'reduced', 'standard', 'premium')),
    CONSTRAINT mediator_profiles_max_range CHECK (max_active_cases BETWEEN 0 AND 500),
    CONSTRAINT mediator_profiles_lists_bounded CHECK (cardinality(specialties) <= 20 AND cardinality(languages) <= 20)
);
CREATE TRIGGER mediator_profiles_updated_at BEFORE UPDATE ON mediator_profiles FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE mediator_profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE mediator_profiles FORCE ROW LEVEL SECURITY;
CREATE POLICY mediator_profiles_tenant ON mediator_profiles
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE ON mediator_profiles TO caucus_app;

-- People and organizations a mediator declared a conflict with. Names are
-- sealed; the blind tokens let the conflict check match them to parties.
CREATE TABLE mediator_conflicts (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    mediator_id uuid NOT NULL REFERENCES users (id),
    kind        text NOT NULL,
    name_sealed bytea NOT NULL,
    name_hash   bytea NOT NULL,
    email_hash  bytea,
    created_by  uuid REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT mediator_conflicts_kind_known CHECK (kind IN ('person', 'organization'))
);
CREATE INDEX mediator_conflicts_mediator_idx ON mediator_conflicts (org_id, mediator_id);
ALTER TABLE mediator_conflicts ENABLE ROW LEVEL SECURITY;
ALTER TABLE mediator_conflicts FORCE ROW LEVEL SECURITY;
CREATE POLICY mediator_conflicts_tenant ON mediator_conflicts
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, DELETE ON mediator_conflicts TO caucus_app;

-- Every proposal of a mediator for a case, kept as history. At most one is
-- open (proposed) per case at a time.
CREATE TABLE case_assignments (
    id                uuid PRIMARY KEY,
    org_id            uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    case_id           uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    mediator_id       uuid NOT NULL REFERENCES users (id),
    status            text NOT NULL,
    proposed_by       uuid REFERENCES users (id),
    response_deadline timestamptz,
    conflicts         jsonb NOT NULL DEFAULT '[]'::jsonb,
    cleared_by        uuid REFERENCES users (id),
    clearance_sealed  bytea,
    decided_at        timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT case_assignments_status_known CHECK (status IN ('proposed', 'confirmed', 'objected', 'withdrawn', 'replaced')),
    CONSTRAINT case_assignments_cleared CHECK ((cleared_by IS NULL) = (clearance_sealed IS NULL))
);
CREATE INDEX case_assignments_case_idx ON case_assignments (org_id, case_id, created_at);
CREATE UNIQUE INDEX case_assignments_one_open ON case_assignments (case_id) WHERE status = 'proposed';
CREATE TRIGGER case_assignments_updated_at BEFORE UPDATE ON case_assignments FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE case_assignments ENABLE ROW LEVEL SECURITY;
ALTER TABLE case_assignments FORCE ROW LEVEL SECURITY;
CREATE POLICY case_assignments_tenant ON case_assignments
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE ON case_assignments TO caucus_app;

-- A party's answer to a proposed mediator.
CREATE TABLE assignment_responses (
    id            uuid PRIMARY KEY,
    org_id        uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    assignment_id uuid NOT NULL REFERENCES case_assignments (id) ON DELETE CASCADE,
    party_id      uuid NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
    response      text NOT NULL,
    reason_sealed bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT assignment_responses_known CHECK (response IN ('confirm', 'object')),
    CONSTRAINT assignment_responses_once UNIQUE (assignment_id, party_id)
);
ALTER TABLE assignment_responses ENABLE ROW LEVEL SECURITY;
ALTER TABLE assignment_responses FORCE ROW LEVEL SECURITY;
CREATE POLICY assignment_responses_tenant ON assignment_responses
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT ON assignment_responses TO caucus_app;

-- Tasks on a case. The title is sealed. A reminder job is queued for the
-- assignee before the due time.
CREATE TABLE case_tasks (
    id           uuid PRIMARY KEY,
    org_id       uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    case_id      uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    title_sealed bytea NOT NULL,
    assignee_id  uuid NOT NULL REFERENCES users (id),
    due_at       timestamptz NOT NULL,
    done_at      timestamptz,
    done_by      uuid REFERENCES users (id),
    created_by   uuid REFERENCES users (id),
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT case_tasks_done_pair CHECK ((done_at IS NULL) = (done_by IS NULL))
);
CREATE INDEX case_tasks_case_idx ON case_tasks (org_id, case_id, due_at);
CREATE INDEX case_tasks_open_idx ON case_tasks (org_id, assignee_id, due_at) WHERE done_at IS NULL;
CREATE TRIGGER case_tasks_updated_at BEFORE UPDATE ON case_tasks FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE case_tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE case_tasks FORCE ROW LEVEL SECURITY;
CREATE POLICY case_tasks_tenant ON case_tasks
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE ON case_tasks TO caucus_app;

-- Agreement templates of the organization, with {{merge_fields}}. Templates
-- are the organization's own forms, not case content.
CREATE TABLE agreement_templates (
    id         uuid PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind       text NOT NULL,
    name       text NOT NULL,
    body       text NOT NULL,
    version    integer NOT NULL,
    created_by uuid REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT agreement_templates_kind_known CHECK (kind IN ('agreement_to_mediate', 'memorandum_of_understanding', 'settlement_agreement')),
    CONSTRAINT agreement_templates_name_length CHECK (char_length(name) BETWEEN 1 AND 120),
    CONSTRAINT agreement_templates_body_length CHECK (char_length(body) BETWEEN 1 AND 100000),
    CONSTRAINT agreement_templates_version_key UNIQUE (org_id, kind, version)
);
ALTER TABLE agreement_templates ENABLE ROW LEVEL SECURITY;
ALTER TABLE agreement_templates FORCE ROW LEVEL SECURITY;
CREATE POLICY agreement_templates_tenant ON agreement_templates
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT ON agreement_templates TO caucus_app;

-- An agreement on a case; its text lives in sealed versions.
CREATE TABLE agreements (
    id              uuid PRIMARY KEY,
    org_id          uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    case_id         uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind            text NOT NULL,
    template_id     uuid REFERENCES agreement_templates (id),
    current_version integer NOT NULL DEFAULT 1,
    created_by      uuid REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT agreements_kind_known CHECK (kind IN ('agreement_to_mediate', 'memorandum_of_understanding', 'settlement_agreement'))
);
CREATE INDEX agreements_case_idx ON agreements (org_id, case_id);
CREATE TRIGGER agreements_updated_at BEFORE UPDATE ON agreements FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE agreements ENABLE ROW LEVEL SECURITY;
ALTER TABLE agreements FORCE ROW LEVEL SECURITY;
CREATE POLICY agreements_tenant ON agreements
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE ON agreements TO caucus_app;

CREATE TABLE agreement_versions (
    id           uuid PRIMARY KEY,
    org_id       uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    agreement_id uuid NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    version      integer NOT NULL,
    body_sealed  bytea NOT NULL,
    created_by   uuid REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT agreement_versions_key UNIQUE (agreement_id, version),
    CONSTRAINT agreement_versions_size CHECK (octet_length(body_sealed) <= 262144)
);
ALTER TABLE agreement_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE agreement_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY agreement_versions_tenant ON agreement_versions
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT ON agreement_versions TO caucus_app;

-- Which parties an agreement is shared with for review.
CREATE TABLE agreement_shares (
    org_id       uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    agreement_id uuid NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    party_id     uuid NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
    shared_by    uuid REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agreement_id, party_id)
);
ALTER TABLE agreement_shares ENABLE ROW LEVEL SECURITY;
ALTER TABLE agreement_shares FORCE ROW LEVEL SECURITY;
CREATE POLICY agreement_shares_tenant ON agreement_shares
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, DELETE ON agreement_shares TO caucus_app;
