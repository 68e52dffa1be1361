-- Mock-interview nights: a host's event in one voice channel, and its queue of
-- candidates. Same rules as the initial schema: private schema, row level
-- security with no policy, no privilege for anon, authenticated or PUBLIC,
-- every foreign key indexed.
--
-- Erasing a host clears `host_user_id` (ON DELETE SET NULL) and keeps the night,
-- because the queue rows belong to the other candidates. Erasing a candidate
-- deletes their queue rows (ON DELETE CASCADE).

CREATE TABLE naromeet.night_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform text NOT NULL,
    server_id text NOT NULL,
    voice_channel_id text NOT NULL,
    text_channel_id text,
    host_user_id bigint REFERENCES naromeet.users (id) ON DELETE SET NULL,
    starts_at timestamptz NOT NULL,
    slot_minutes integer NOT NULL CHECK (slot_minutes BETWEEN 1 AND 120),
    interview_type text NOT NULL,
    role text NOT NULL,
    max_candidates integer NOT NULL CHECK (max_candidates BETWEEN 1 AND 100),
    scheduled_event_id text,
    state text NOT NULL DEFAULT 'scheduled'
        CHECK (state IN ('scheduled', 'running', 'paused', 'ended')),
    current_position integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    ended_at timestamptz
);
CREATE INDEX night_events_host_user_id_idx ON naromeet.night_events (host_user_id);
CREATE INDEX night_events_open_idx ON naromeet.night_events (platform, server_id)
    WHERE state <> 'ended';

CREATE TABLE naromeet.night_queue (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    night_id bigint NOT NULL REFERENCES naromeet.night_events (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES naromeet.users (id) ON DELETE CASCADE,
    position integer NOT NULL,
    status text NOT NULL DEFAULT 'queued' CHECK (
        status IN ('queued', 'called', 'interviewing', 'done', 'no_show', 'left', 'skipped')
    ),
    share_score boolean NOT NULL DEFAULT false,
    session_id bigint REFERENCES naromeet.interview_sessions (id) ON DELETE SET NULL,
    joined_at timestamptz NOT NULL,
    called_at timestamptz,
    started_at timestamptz,
    ended_at timestamptz,
    UNIQUE (night_id, user_id),
    UNIQUE (night_id, position)
);
-- (night_id, user_id) is indexed by its unique constraint.
CREATE INDEX night_queue_user_id_idx ON naromeet.night_queue (user_id);
CREATE INDEX night_queue_session_id_idx ON naromeet.night_queue (session_id);

ALTER TABLE naromeet.night_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE naromeet.night_queue ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON naromeet.night_events, naromeet.night_queue FROM PUBLIC;

-- Supabase has the roles anon and authenticated; a bare Postgres may not.
DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['anon', 'authenticated'] LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
            EXECUTE format(
                'REVOKE ALL ON naromeet.night_events, naromeet.night_queue FROM %I', role_name);
            EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA naromeet FROM %I', role_name);
        END IF;
    END LOOP;
END;
$$;
