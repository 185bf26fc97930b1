DROP INDEX IF EXISTS session_chat_messages_room_idx;
ALTER TABLE session_chat_messages DROP COLUMN IF EXISTS broadcast, DROP COLUMN IF EXISTS breakout_room_id;
DROP TABLE IF EXISTS room_placements;
DROP TABLE IF EXISTS breakout_rooms;
