DROP INDEX sessions_meeting_room_idx;
ALTER TABLE sessions DROP CONSTRAINT sessions_no_meeting_room_double_booking;
ALTER TABLE sessions DROP CONSTRAINT sessions_meeting_room_fkey;
ALTER TABLE sessions DROP COLUMN meeting_room_id;
DROP TABLE meeting_rooms;
