DROP TABLE IF EXISTS calendar_feeds;
DROP TABLE IF EXISTS session_notices;
