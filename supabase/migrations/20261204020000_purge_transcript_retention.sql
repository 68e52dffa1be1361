-- The job description scrub follows TRANSCRIPT_RETENTION_DAYS: the function takes
-- the transcript retention as a fourth argument, which the bot passes when it
-- reschedules the pg_cron job. Transcript lines themselves carry their own
-- expires_at, set from the same setting when they are written.

DROP FUNCTION naromeet.purge_expired(integer, integer, interval);

CREATE FUNCTION naromeet.purge_expired(
    batch_size integer DEFAULT 5000,
    max_batches integer DEFAULT 200,
    action_log_retention interval DEFAULT interval '30 days',
    transcript_retention interval DEFAULT interval '15 days'
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

    table_name := 'interview_sessions'; deleted := 0; batches := 0;
    LOOP
        EXIT WHEN batches >= max_batches;
        UPDATE naromeet.interview_sessions
        SET spec = spec - 'job_description' - 'custom_focus'
        WHERE id IN (
            SELECT id FROM naromeet.interview_sessions
            WHERE started_at < now() - transcript_retention
              AND (spec->>'job_description' IS NOT NULL OR spec->>'custom_focus' IS NOT NULL)
            LIMIT batch_size FOR UPDATE SKIP LOCKED);
        GET DIAGNOSTICS n = ROW_COUNT;
        deleted := deleted + n; batches := batches + 1;
        EXIT WHEN n < batch_size;
    END LOOP;
    RETURN NEXT;
END;
$$;
REVOKE ALL ON FUNCTION naromeet.purge_expired(integer, integer, interval, interval) FROM PUBLIC;
