-- Mock-interview nights: a host's event in one voice channel, and its queue of
-- candidates. Mirrors supabase/migrations/20261205000000_nights.sql.
--
-- Erasing a host clears `host_user_id` (ON DELETE SET NULL) and keeps the night,
-- because the queue rows belong to the other candidates. Erasing a candidate
-- deletes their queue rows (ON DELETE CASCADE).

CREATE TABLE night_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    platform TEXT NOT NULL,
    server_id TEXT NOT NULL,
    voice_channel_id TEXT NOT NULL,
    text_channel_id TEXT,
    host_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    starts_at TIMESTAMP_TEXT NOT NULL,
    slot_minutes INTEGER NOT NULL CHECK (slot_minutes BETWEEN 1 AND 120),
    interview_type TEXT NOT NULL,
    role TEXT NOT NULL,
    max_candidates INTEGER NOT NULL CHECK (max_candidates BETWEEN 1 AND 100),
    scheduled_event_id TEXT,
    state TEXT NOT NULL DEFAULT 'scheduled'
        CHECK (state IN ('scheduled', 'running', 'paused', 'ended')),
    current_position INTEGER,
    created_at TIMESTAMP_TEXT NOT NULL,
    started_at TIMESTAMP_TEXT,
    ended_at TIMESTAMP_TEXT
);
CREATE INDEX night_events_host_user_id_idx ON night_events (host_user_id);
CREATE INDEX night_events_open_idx ON night_events (platform, server_id) WHERE state <> 'ended';

CREATE TABLE night_queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    night_id INTEGER NOT NULL REFERENCES night_events (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (
        status IN ('queued', 'called', 'interviewing', 'done', 'no_show', 'left', 'skipped')
    ),
    share_score INTEGER NOT NULL DEFAULT 0 CHECK (share_score IN (0, 1)),
    session_id INTEGER REFERENCES interview_sessions (id) ON DELETE SET NULL,
    joined_at TIMESTAMP_TEXT NOT NULL,
    called_at TIMESTAMP_TEXT,
    started_at TIMESTAMP_TEXT,
    ended_at TIMESTAMP_TEXT,
    UNIQUE (night_id, user_id),
    UNIQUE (night_id, position)
);
CREATE INDEX night_queue_user_id_idx ON night_queue (user_id);
CREATE INDEX night_queue_session_id_idx ON night_queue (session_id);
