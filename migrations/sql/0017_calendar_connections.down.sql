DROP TABLE IF EXISTS calendar_exports;
DELETE FROM mediator_busy WHERE connection_id IS NOT NULL;
DROP INDEX IF EXISTS mediator_busy_connection_idx;
ALTER TABLE mediator_busy DROP CONSTRAINT IF EXISTS mediator_busy_connection_is_calendar;
ALTER TABLE mediator_busy DROP COLUMN IF EXISTS connection_id;
DROP TABLE IF EXISTS calendar_connections;
