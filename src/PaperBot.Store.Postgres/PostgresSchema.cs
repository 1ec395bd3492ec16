using Microsoft.Extensions.Logging;
using Npgsql;
using PaperBot.Core;

namespace PaperBot.Store.Postgres;

/// <summary>
/// Forward-only migrations of the PostgreSQL library, run by whichever process starts first: a session-level
/// advisory lock makes processes that start at the same time wait, then find the work done.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>The advisory-lock key of migrations ("PaperBot" in ASCII).</summary>
    internal const long MigrationLockKey = 0x5061706572426f74;

    /// <summary>Migration N (1-based) takes the schema from version N-1 to N. Never edit a shipped one: append.</summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE papers (
            id           text PRIMARY KEY,
            title        text NOT NULL,
            authors      text NOT NULL,
            abstract     text NOT NULL,
            published    text,
            categories   text NOT NULL,
            source_url   text,
            full_text    text,
            added_at     timestamptz NOT NULL,
            updated_at   timestamptz NOT NULL,
            version      integer NOT NULL DEFAULT 0,
            content_hash text NOT NULL,
            added_seq    bigint GENERATED ALWAYS AS IDENTITY UNIQUE
        );
        CREATE INDEX papers_added_at ON papers (added_at);
        CREATE TABLE passages (
            id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            paper_id  text NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
            chunk     integer NOT NULL,
            text      text NOT NULL,
            embedding real[],
            UNIQUE (paper_id, chunk)
        );
        CREATE TABLE summaries (
            paper_id       text NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
            level          text NOT NULL,
            prompt_version text NOT NULL,
            model          text NOT NULL,
            text           text NOT NULL,
            created_at     timestamptz NOT NULL,
            PRIMARY KEY (paper_id, level, prompt_version, model)
        );
        CREATE TABLE meta (
            key   text PRIMARY KEY,
            value text NOT NULL
        );
        -- Every insert, update and delete of a paper, in commit order of sequence numbers: processes catch
        -- their in-memory indexes up from the last sequence they saw instead of reloading everything.
        CREATE TABLE paper_changes (
            seq       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            paper_id  text NOT NULL,
            kind      text NOT NULL CHECK (kind IN ('upsert', 'delete')),
            changed_at timestamptz NOT NULL DEFAULT now()
        );
        """,
        // The aggregates beside the papers: answers behind Discord buttons, conversations, daily token budgets,
        // feed cursors and the feed lease, digests (subscriptions, runs claimed once per occurrence, posted
        // papers, votes). Same tables as the SQLite library, with PostgreSQL types.
        """
        CREATE TABLE answers (
            id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            guild_id   text,
            channel_id text,
            user_id    text,
            question   text NOT NULL,
            answer     text NOT NULL,
            mode       text NOT NULL,
            citations  jsonb NOT NULL,
            created_at timestamptz NOT NULL
        );
        CREATE INDEX answers_created_at ON answers (created_at);
        CREATE TABLE conversations (
            thread_id      text PRIMARY KEY,
            guild_id       text,
            channel_id     text NOT NULL,
            started_by     text,
            created_at     timestamptz NOT NULL,
            last_active_at timestamptz NOT NULL,
            hint_sent      boolean NOT NULL DEFAULT false
        );
        CREATE TABLE conversation_turns (
            id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            thread_id  text NOT NULL REFERENCES conversations (thread_id) ON DELETE CASCADE,
            question   text NOT NULL,
            answer     text NOT NULL,
            created_at timestamptz NOT NULL
        );
        CREATE INDEX conversation_turns_thread ON conversation_turns (thread_id, id);
        CREATE INDEX conversation_turns_created_at ON conversation_turns (created_at);
        CREATE TABLE usage_daily (
            scope  text NOT NULL,
            day    date NOT NULL,
            tokens bigint NOT NULL,
            PRIMARY KEY (scope, day)
        );
        CREATE TABLE feed_cursors (
            source        text PRIMARY KEY,
            position      text,
            etag          text,
            last_modified text,
            validator_url text,
            last_attempt  timestamptz,
            last_success  timestamptz,
            last_error    text,
            last_added    integer NOT NULL DEFAULT 0
        );
        CREATE TABLE feed_lease (
            name        text PRIMARY KEY,
            holder      text NOT NULL,
            lease_until timestamptz NOT NULL
        );
        CREATE TABLE digest_subscriptions (
            id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            guild_id      text,
            channel_id    text NOT NULL UNIQUE,
            topics        text NOT NULL,
            categories    text[] NOT NULL,
            cron          text NOT NULL,
            time_zone     text NOT NULL,
            max_papers    integer NOT NULL,
            min_score     double precision NOT NULL,
            high_water    bigint,
            created_at    timestamptz NOT NULL,
            created_by    text,
            paused_reason text,
            paused_at     timestamptz,
            last_result   text,
            last_run_at   timestamptz
        );
        CREATE TABLE digest_runs (
            id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            subscription_id bigint NOT NULL REFERENCES digest_subscriptions (id) ON DELETE CASCADE,
            occurrence      text NOT NULL,
            state           text NOT NULL,
            claimed_by      text NOT NULL,
            lease_until     timestamptz NOT NULL,
            plan            text,
            message_ids     text[] NOT NULL DEFAULT '{}',
            high_water      bigint,
            created_at      timestamptz NOT NULL,
            finished_at     timestamptz,
            error           text,
            UNIQUE (subscription_id, occurrence)
        );
        CREATE INDEX digest_runs_unfinished ON digest_runs (id) WHERE state = 'claimed';
        CREATE TABLE digest_posted (
            channel_id text NOT NULL,
            paper_id   text NOT NULL,
            run_id     bigint NOT NULL,
            posted_at  timestamptz NOT NULL,
            PRIMARY KEY (channel_id, paper_id)
        );
        CREATE TABLE digest_votes (
            channel_id text NOT NULL,
            paper_id   text NOT NULL,
            user_id    text NOT NULL,
            vote       integer NOT NULL,
            voted_at   timestamptz NOT NULL,
            PRIMARY KEY (channel_id, paper_id, user_id)
        );
        """,
        // The papers as the store seam writes them: changes are added / updated / removed (as in the SQLite library),
        // passages still waiting for a vector are found through a partial index, title prefixes through an index.
        """
        ALTER TABLE paper_changes DROP CONSTRAINT paper_changes_kind_check;
        UPDATE paper_changes SET kind = CASE kind WHEN 'delete' THEN 'removed' ELSE 'updated' END;
        ALTER TABLE paper_changes ADD CONSTRAINT paper_changes_kind_check CHECK (kind IN ('added', 'updated', 'removed'));
        CREATE INDEX passages_without_embedding ON passages (paper_id) WHERE embedding IS NULL;
        CREATE INDEX papers_title ON papers (lower(title) text_pattern_ops);
        """,
        // The lexical index of passages (PostgresLexicalIndex), kept by triggers whatever writes the passages: english
        // stems of each passage and, for chunk 0, of its title (BM25 weighs title words 3x), and its word count, in a
        // narrow table whose stems stay inline (storage MAIN: read out of line they cost 5x more per search); the
        // lexemes ever indexed, to expand prefixes; and the passage and word totals BM25 normalises by, in 16 slots so
        // that concurrent writers rarely wait on one row.
        """
        CREATE TABLE passage_lexemes (
            passage_id    bigint PRIMARY KEY REFERENCES passages (id) ON DELETE CASCADE,
            tokens        integer NOT NULL,
            lexemes       tsvector NOT NULL,
            title_lexemes tsvector
        );
        ALTER TABLE passage_lexemes ALTER COLUMN lexemes SET STORAGE MAIN, ALTER COLUMN title_lexemes SET STORAGE MAIN;
        CREATE INDEX passage_lexemes_lexemes ON passage_lexemes USING gin (lexemes);
        CREATE TABLE lexical_vocabulary (lexeme text COLLATE "C" PRIMARY KEY);
        CREATE TABLE lexical_totals (slot integer PRIMARY KEY, passages bigint NOT NULL, tokens bigint NOT NULL);

        CREATE FUNCTION passages_index_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO passage_lexemes (passage_id, tokens, lexemes, title_lexemes)
            SELECT r.id,
                   (SELECT count(*) FROM regexp_matches(r.text, '[[:alnum:]]+', 'g')),
                   to_tsvector('english', r.text),
                   CASE WHEN r.chunk = 0 AND p.title <> '' AND starts_with(r.text, p.title) THEN to_tsvector('english', p.title) END
            FROM new_rows r
            LEFT JOIN papers p ON p.id = r.paper_id;
            RETURN NULL;
        END $$;
        CREATE FUNCTION passages_index_updated() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- Only passages whose words changed: storing a vector updates every passage too.
            UPDATE passage_lexemes l
            SET tokens = (SELECT count(*) FROM regexp_matches(r.text, '[[:alnum:]]+', 'g')),
                lexemes = to_tsvector('english', r.text),
                title_lexemes = CASE WHEN r.chunk = 0 AND p.title <> '' AND starts_with(r.text, p.title) THEN to_tsvector('english', p.title) END
            FROM new_rows r
            JOIN old_rows o ON o.id = r.id
            LEFT JOIN papers p ON p.id = r.paper_id
            WHERE l.passage_id = r.id AND (o.text, o.chunk, o.paper_id) IS DISTINCT FROM (r.text, r.chunk, r.paper_id);
            RETURN NULL;
        END $$;
        CREATE TRIGGER passages_index_inserted AFTER INSERT ON passages REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION passages_index_inserted();
        CREATE TRIGGER passages_index_updated AFTER UPDATE ON passages REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION passages_index_updated();

        CREATE FUNCTION passage_lexemes_totals() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            added_passages bigint := 0;
            added_tokens bigint := 0;
            removed_passages bigint := 0;
            removed_tokens bigint := 0;
        BEGIN
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                SELECT count(*), coalesce(sum(tokens), 0) INTO added_passages, added_tokens FROM new_rows;
                -- New lexemes only, one writer at a time (a transaction-level advisory lock), so that two ingests
                -- adding the same new words in different orders cannot deadlock.
                IF EXISTS (SELECT 1 FROM new_rows r, unnest(tsvector_to_array(r.lexemes)) w (lexeme)
                           WHERE NOT EXISTS (SELECT 1 FROM lexical_vocabulary v WHERE v.lexeme = w.lexeme)) THEN
                    PERFORM pg_advisory_xact_lock(5792034176786132853);
                    INSERT INTO lexical_vocabulary (lexeme)
                    SELECT DISTINCT w.lexeme FROM new_rows r, unnest(tsvector_to_array(r.lexemes)) w (lexeme) ORDER BY 1
                    ON CONFLICT DO NOTHING;
                END IF;
            END IF;
            IF TG_OP IN ('DELETE', 'UPDATE') THEN
                SELECT count(*), coalesce(sum(tokens), 0) INTO removed_passages, removed_tokens FROM old_rows;
            END IF;
            IF added_passages <> removed_passages OR added_tokens <> removed_tokens THEN
                INSERT INTO lexical_totals AS t (slot, passages, tokens)
                VALUES (pg_backend_pid() % 16, added_passages - removed_passages, added_tokens - removed_tokens)
                ON CONFLICT (slot) DO UPDATE SET passages = t.passages + excluded.passages, tokens = t.tokens + excluded.tokens;
            END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER passage_lexemes_inserted AFTER INSERT ON passage_lexemes REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION passage_lexemes_totals();
        CREATE TRIGGER passage_lexemes_updated AFTER UPDATE ON passage_lexemes REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION passage_lexemes_totals();
        CREATE TRIGGER passage_lexemes_deleted AFTER DELETE ON passage_lexemes REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION passage_lexemes_totals();

        -- Passages written before this migration.
        INSERT INTO passage_lexemes (passage_id, tokens, lexemes, title_lexemes)
        SELECT r.id,
               (SELECT count(*) FROM regexp_matches(r.text, '[[:alnum:]]+', 'g')),
               to_tsvector('english', r.text),
               CASE WHEN r.chunk = 0 AND p.title <> '' AND starts_with(r.text, p.title) THEN to_tsvector('english', p.title) END
        FROM passages r
        LEFT JOIN papers p ON p.id = r.paper_id;
        """,
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int CurrentVersion => Migrations.Length;

    /// <summary>Brings the database to <see cref="CurrentVersion"/>; refuses a database newer than this build.</summary>
    public static async Task MigrateAsync(NpgsqlDataSource dataSource, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(logger);
        await using var connection = await PostgresConnections.OpenAsync(dataSource, cancellationToken);
        await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({MigrationLockKey})", cancellationToken);
        try
        {
            await ExecuteAsync(connection, null, "CREATE TABLE IF NOT EXISTS paperbot_schema (version integer NOT NULL)", cancellationToken);
            var version = await ReadVersionAsync(connection, cancellationToken);
            if (version > CurrentVersion)
            {
                throw new UserFacingException(
                    $"The PostgreSQL library '{connection.Database}' on {connection.Host}:{connection.Port} has schema version {version}, " +
                    $"newer than this PaperBot understands ({CurrentVersion}). Update PaperBot.");
            }

            for (var next = version + 1; next <= CurrentVersion; next++)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, transaction, Migrations[next - 1], cancellationToken);
                await ExecuteAsync(connection, transaction, "DELETE FROM paperbot_schema", cancellationToken);
                await ExecuteAsync(connection, transaction, $"INSERT INTO paperbot_schema (version) VALUES ({next})", cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("PostgreSQL library schema migrated to version {SchemaVersion}", next);
            }
        }
        finally
        {
            await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
        }
    }

    /// <summary>The schema version of the database (0 when it has none yet).</summary>
    public static async Task<int> ReadVersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand(
            "SELECT COALESCE((SELECT max(version) FROM paperbot_schema), 0)", connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
