DROP FUNCTION unscoped_claim_jobs(integer, integer);
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
GRANT EXECUTE ON FUNCTION unscoped_claim_jobs(integer, integer) TO caucus_app;
ALTER TABLE jobs DROP COLUMN claims;
