CREATE INDEX party_availability_case_idx ON party_availability (org_id, case_id);
DROP INDEX party_availability_search_idx;
DROP INDEX mediator_busy_search_idx;
DROP INDEX sessions_mediator_booked_idx;
