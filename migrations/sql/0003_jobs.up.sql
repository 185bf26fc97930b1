-- A PostgreSQL job queue. Jobs are tenant-owned: enqueued inside the tenant
-- transaction of the change that causes them (a rolled-back change never runs
-- its jobs), run in that tenant's transaction, and carry identifiers only.
--
-- Workers claim ready jobs across tenants through one SECURITY DEFINER function
-- that uses FOR UPDATE SKIP LOCKED and a lease: a worker that dies mid-job loses
-- its lease, and the job runs again (at-least-once; handlers are idempotent).

CREATE TABLE jobs (
    id            uuid PRIMARY KEY,
    org_id        uuid NOT NULL REFERENCES organizations (id),
    kind          text NOT NULL,
    payload       jsonb NOT NULL DEFAULT '{}'::jsonb,
    status        text NOT NULL DEFAULT 'queued',
    attempts      integer NOT NULL DEFAULT 0,
    max_attempts  integer NOT NULL DEFAULT 8,
    run_at        timestamptz NOT NULL DEFAULT now(),
    locked_until  timestamptz,
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT jobs_status_known CHECK (status IN ('queued', 'running', 'done', 'dead')),
    CONSTRAINT jobs_kind_format CHECK (kind ~ '^[a-z][a-z0-9_.]{1,63}$'),
    CONSTRAINT jobs_attempts_range CHECK (attempts >= 0 AND max_attempts BETWEEN 1 AND 100)
);
CREATE INDEX jobs_ready_idx ON jobs (run_at) WHERE status IN ('queued', 'running');
CREATE INDEX jobs_org_status_idx ON jobs (org_id, status, created_at DESC);
CREATE TRIGGER jobs_updated_at BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY jobs_tenant ON jobs
    USING (org_id = app_current_org())
    WITH CHECK (org_id = app_current_org());

-- Claims up to p_limit ready jobs (queued and due, or running with an expired
-- lease) for p_lease_secs, counting the attempt. Returns what a worker needs to
-- open the job's tenant transaction.
CREATE FUNCTION unscoped_claim_jobs(p_limit integer, p_lease_secs integer)
    RETURNS TABLE (id uuid, org_id uuid, kind text, payload jsonb, attempts integer, max_attempts integer)
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        WITH ready AS (
            SELECT j.id FROM jobs j
            WHERE (j.status = 'queued' AND j.run_at <= now())
               OR (j.status = 'running' AND j.locked_until < now())
            ORDER BY j.run_at
            LIMIT least(greatest(p_limit, 1), 100)
            FOR UPDATE SKIP LOCKED
        )
        UPDATE jobs j
        SET status = 'running',
            attempts = j.attempts + 1,
            locked_until = now() + make_interval(secs => least(greatest(p_lease_secs, 1), 3600))
        FROM ready
        WHERE j.id = ready.id
        RETURNING j.id, j.org_id, j.kind, j.payload, j.attempts, j.max_attempts
    $$;
REVOKE ALL ON FUNCTION unscoped_claim_jobs(integer, integer) FROM PUBLIC;

GRANT SELECT, INSERT, UPDATE ON jobs TO caucus_app;
GRANT EXECUTE ON FUNCTION unscoped_claim_jobs(integer, integer) TO caucus_app;
