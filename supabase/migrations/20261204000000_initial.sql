-- Naromeet schema for Postgres (Supabase). Applied by `naromeet-bot migrate`
-- (recorded in naromeet.schema_migrations) or by `supabase db push`.
--
-- Everything lives in the private schema `naromeet`, never `public`: the
-- Supabase Data API exposes `public` to the `anon` and `authenticated` roles.
-- Every table has row level security enabled with no policy, and no privilege
-- is granted to `anon`, `authenticated` or PUBLIC. The bot connects as the
-- owner, which row level security does not restrict.

CREATE SCHEMA IF NOT EXISTS naromeet;
REVOKE ALL ON SCHEMA naromeet FROM PUBLIC;

CREATE TABLE IF NOT EXISTS naromeet.schema_migrations (
    name text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE naromeet.users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform text NOT NULL,
    platform_user_id text NOT NULL,
    name text,
    username text,
    avatar_url text,
    locale text,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (platform, platform_user_id)
);

CREATE TABLE naromeet.consents (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES naromeet.users (id) ON DELETE CASCADE,
    policy_version text NOT NULL,
    accepted_at timestamptz NOT NULL,
    withdrawn_at timestamptz
);
CREATE INDEX consents_user_id_idx ON naromeet.consents (user_id);

CREATE TABLE naromeet.interview_sessions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES naromeet.users (id) ON DELETE CASCADE,
    platform text NOT NULL,
    spec jsonb NOT NULL,
    server_id text,
    channel_id text,
    started_at timestamptz NOT NULL,
    ended_at timestamptz,
    duration_seconds double precision,
    rating smallint CHECK (rating BETWEEN 1 AND 5),
    end_reason text,
    state jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX interview_sessions_user_id_idx ON naromeet.interview_sessions (user_id, started_at);
CREATE INDEX interview_sessions_active_idx ON naromeet.interview_sessions (id)
    WHERE ended_at IS NULL;

CREATE TABLE naromeet.transcript_messages (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id bigint NOT NULL REFERENCES naromeet.interview_sessions (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES naromeet.users (id) ON DELETE CASCADE,
    speaker text NOT NULL CHECK (speaker IN ('candidate', 'interviewer')),
    text text NOT NULL,
    started_at timestamptz NOT NULL,
    ended_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- The bot sets this from TRANSCRIPT_RETENTION_DAYS; the default is the policy's 15 days.
    expires_at timestamptz NOT NULL DEFAULT now() + interval '15 days'
);
CREATE INDEX transcript_messages_session_id_idx ON naromeet.transcript_messages (session_id);
CREATE INDEX transcript_messages_user_id_idx ON naromeet.transcript_messages (user_id);
CREATE INDEX transcript_messages_expires_at_idx ON naromeet.transcript_messages (expires_at);

CREATE TABLE naromeet.feedback (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id bigint NOT NULL UNIQUE
        REFERENCES naromeet.interview_sessions (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES naromeet.users (id) ON DELETE CASCADE,
    overall_score integer,
    content jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feedback_user_id_idx ON naromeet.feedback (user_id);

CREATE TABLE naromeet.action_logs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint REFERENCES naromeet.users (id) ON DELETE CASCADE,
    platform text NOT NULL,
    server_id text,
    action text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX action_logs_user_id_idx ON naromeet.action_logs (user_id, action, created_at);
CREATE INDEX action_logs_created_at_idx ON naromeet.action_logs (created_at);

-- Per server or chat; no user data.
CREATE TABLE naromeet.server_settings (
    platform text NOT NULL,
    server_id text NOT NULL,
    settings jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (platform, server_id)
);

ALTER TABLE naromeet.schema_migrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE naromeet.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE naromeet.consents ENABLE ROW LEVEL SECURITY;
ALTER TABLE naromeet.interview_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE naromeet.transcript_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE naromeet.feedback ENABLE ROW LEVEL SECURITY;
ALTER TABLE naromeet.action_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE naromeet.server_settings ENABLE ROW LEVEL SECURITY;

-- Bounded, batched retention: expired transcripts, then action logs older than
-- `action_log_retention`. Each call deletes at most batch_size * max_batches rows
-- per table, so one run never holds locks for long; the next run continues.
CREATE OR REPLACE FUNCTION naromeet.purge_expired(
    batch_size integer DEFAULT 5000,
    max_batches integer DEFAULT 200,
    action_log_retention interval DEFAULT interval '30 days'
)
RETURNS TABLE (table_name text, deleted bigint, batches integer)
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    n bigint;
BEGIN
    IF batch_size < 1 OR max_batches < 1 THEN
        RAISE EXCEPTION 'batch_size and max_batches must be positive';
    END IF;

    table_name := 'transcript_messages'; deleted := 0; batches := 0;
    LOOP
        EXIT WHEN batches >= max_batches;
        DELETE FROM naromeet.transcript_messages WHERE id IN (
            SELECT id FROM naromeet.transcript_messages
            WHERE expires_at <= now() LIMIT batch_size FOR UPDATE SKIP LOCKED);
        GET DIAGNOSTICS n = ROW_COUNT;
        deleted := deleted + n; batches := batches + 1;
        EXIT WHEN n < batch_size;
    END LOOP;
    RETURN NEXT;

    table_name := 'action_logs'; deleted := 0; batches := 0;
    LOOP
        EXIT WHEN batches >= max_batches;
        DELETE FROM naromeet.action_logs WHERE id IN (
            SELECT id FROM naromeet.action_logs
            WHERE created_at < now() - action_log_retention LIMIT batch_size
            FOR UPDATE SKIP LOCKED);
        GET DIAGNOSTICS n = ROW_COUNT;
        deleted := deleted + n; batches := batches + 1;
        EXIT WHEN n < batch_size;
    END LOOP;
    RETURN NEXT;
END;
$$;
REVOKE ALL ON FUNCTION naromeet.purge_expired(integer, integer, interval) FROM PUBLIC;

-- Supabase has the roles anon and authenticated; a bare Postgres may not.
DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['anon', 'authenticated'] LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
            EXECUTE format('REVOKE ALL ON SCHEMA naromeet FROM %I', role_name);
            EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA naromeet FROM %I', role_name);
            EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA naromeet FROM %I', role_name);
            EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA naromeet FROM %I', role_name);
            EXECUTE format(
                'ALTER DEFAULT PRIVILEGES IN SCHEMA naromeet REVOKE ALL ON TABLES FROM %I',
                role_name);
        END IF;
    END LOOP;
    REVOKE ALL ON ALL TABLES IN SCHEMA naromeet FROM PUBLIC;
END;
$$;

-- Hourly purge inside the database, so retention holds while the bot is down.
-- pg_cron can only be created in the database named by cron.database_name and
-- only when preloaded; anywhere else the bot's own purge schedule remains.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_cron') THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS pg_cron;
        EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'pg_cron not enabled here (%); the bot purges on its own schedule',
                SQLERRM;
        END;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
        PERFORM cron.schedule(
            'naromeet-purge', '17 * * * *', 'SELECT * FROM naromeet.purge_expired(5000, 200)');
    END IF;
END;
$$;
