DROP TABLE IF EXISTS session_chat_messages;
DROP FUNCTION IF EXISTS unscoped_room_participant_org(uuid);
DROP FUNCTION IF EXISTS unscoped_join_link_org(bytea);
DROP TABLE IF EXISTS room_participants;
ALTER TABLE sessions DROP COLUMN IF EXISTS video_ended_at, DROP COLUMN IF EXISTS video_locked_at;
