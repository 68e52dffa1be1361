-- Naromeet schema for the embedded SQLite backend; mirrors supabase/migrations.
-- Declared types JSON_TEXT and TIMESTAMP_TEXT have TEXT affinity; the store
-- reads them back as dicts and UTC datetimes (ISO 8601 with microseconds).
-- AUTOINCREMENT keeps ids of erased rows from being reused, so a late write
-- naming an erased session can never land in someone else's session.

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    platform TEXT NOT NULL,
    platform_user_id TEXT NOT NULL,
    name TEXT,
    username TEXT,
    avatar_url TEXT,
    locale TEXT,
    created_at TIMESTAMP_TEXT NOT NULL,
    UNIQUE (platform, platform_user_id)
);

CREATE TABLE consents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    policy_version TEXT NOT NULL,
    accepted_at TIMESTAMP_TEXT NOT NULL,
    withdrawn_at TIMESTAMP_TEXT
);
CREATE INDEX consents_user_id_idx ON consents (user_id);

CREATE TABLE interview_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    platform TEXT NOT NULL,
    spec JSON_TEXT NOT NULL,
    server_id TEXT,
    channel_id TEXT,
    started_at TIMESTAMP_TEXT NOT NULL,
    ended_at TIMESTAMP_TEXT,
    duration_seconds REAL,
    rating INTEGER CHECK (rating BETWEEN 1 AND 5),
    end_reason TEXT,
    state JSON_TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX interview_sessions_user_id_idx ON interview_sessions (user_id, started_at);
CREATE INDEX interview_sessions_active_idx ON interview_sessions (id) WHERE ended_at IS NULL;

CREATE TABLE transcript_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES interview_sessions (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    speaker TEXT NOT NULL CHECK (speaker IN ('candidate', 'interviewer')),
    text TEXT NOT NULL,
    started_at TIMESTAMP_TEXT NOT NULL,
    ended_at TIMESTAMP_TEXT,
    created_at TIMESTAMP_TEXT NOT NULL,
    expires_at TIMESTAMP_TEXT NOT NULL
);
CREATE INDEX transcript_messages_session_id_idx ON transcript_messages (session_id);
CREATE INDEX transcript_messages_user_id_idx ON transcript_messages (user_id);
CREATE INDEX transcript_messages_expires_at_idx ON transcript_messages (expires_at);

CREATE TABLE feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL UNIQUE REFERENCES interview_sessions (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    overall_score INTEGER,
    content JSON_TEXT NOT NULL,
    created_at TIMESTAMP_TEXT NOT NULL
);
CREATE INDEX feedback_user_id_idx ON feedback (user_id);

CREATE TABLE action_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    platform TEXT NOT NULL,
    server_id TEXT,
    action TEXT NOT NULL,
    created_at TIMESTAMP_TEXT NOT NULL
);
CREATE INDEX action_logs_user_id_idx ON action_logs (user_id, action, created_at);
CREATE INDEX action_logs_created_at_idx ON action_logs (created_at);

-- Per server or chat; no user data.
CREATE TABLE server_settings (
    platform TEXT NOT NULL,
    server_id TEXT NOT NULL,
    settings JSON_TEXT NOT NULL,
    updated_at TIMESTAMP_TEXT NOT NULL,
    PRIMARY KEY (platform, server_id)
);
