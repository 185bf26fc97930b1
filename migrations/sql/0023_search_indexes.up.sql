-- Indexes for a slot search's loading, each leading with org_id so the
-- tenant policy is an index condition (evaluated once, not per row):
-- a mediator's booked sessions in time order, their time away and
-- calendar busy times by end (a search wants what ends after now), and a
-- case's party windows in order.
CREATE INDEX sessions_mediator_booked_idx ON sessions (org_id, mediator_id, scheduled_for)
    WHERE status = 'booked';
CREATE INDEX mediator_busy_search_idx ON mediator_busy (org_id, user_id, source, upper(during));
CREATE INDEX party_availability_search_idx ON party_availability (org_id, case_id, party_id, lower(during));
DROP INDEX party_availability_case_idx;
