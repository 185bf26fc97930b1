DROP TABLE IF EXISTS session_waitlist;
