using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace PaperBot.Core.Library;

/// <summary>Forward-only schema migrations, tracked in <c>PRAGMA user_version</c>.</summary>
internal static class LibrarySchema
{
    /// <summary>Migration N (1-based) takes the schema from version N-1 to N. Never edit a shipped one: append.</summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE papers (
            id           TEXT PRIMARY KEY,
            title        TEXT NOT NULL,
            authors      TEXT NOT NULL,
            abstract     TEXT NOT NULL,
            published    TEXT,
            categories   TEXT NOT NULL,
            source_url   TEXT,
            full_text    TEXT,
            added_at     TEXT NOT NULL,
            updated_at   TEXT NOT NULL,
            version      INTEGER NOT NULL DEFAULT 0,
            content_hash TEXT NOT NULL
        );
        CREATE INDEX papers_added_at ON papers (added_at);
        CREATE TABLE passages (
            rowid     INTEGER PRIMARY KEY,
            paper_id  TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
            chunk     INTEGER NOT NULL,
            text      TEXT NOT NULL,
            embedding BLOB,
            UNIQUE (paper_id, chunk)
        );
        CREATE VIRTUAL TABLE passages_fts USING fts5 (title, body, tokenize = 'porter unicode61 remove_diacritics 2');
        CREATE TABLE summaries (
            paper_id       TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
            level          TEXT NOT NULL,
            prompt_version TEXT NOT NULL,
            model          TEXT NOT NULL,
            text           TEXT NOT NULL,
            created_at     TEXT NOT NULL,
            PRIMARY KEY (paper_id, level, prompt_version, model)
        );
        CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,
        """
        CREATE VIRTUAL TABLE passages_vocab USING fts5vocab (passages_fts, 'row');
        """,
        // Answers shown in Discord, so their buttons (Sources, Summarize, Compare, Follow up) work after a restart.
        """
        CREATE TABLE answers (
            id         INTEGER PRIMARY KEY,
            guild_id   TEXT,
            channel_id TEXT,
            user_id    TEXT,
            question   TEXT NOT NULL,
            answer     TEXT NOT NULL,
            mode       TEXT NOT NULL,
            citations  TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX answers_created_at ON answers (created_at);
        """,
        // Conversations in Discord threads: the thread and its turns.
        """
        CREATE TABLE conversations (
            thread_id      TEXT PRIMARY KEY,
            guild_id       TEXT,
            channel_id     TEXT NOT NULL,
            started_by     TEXT,
            created_at     TEXT NOT NULL,
            last_active_at TEXT NOT NULL,
            hint_sent      INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE conversation_turns (
            id         INTEGER PRIMARY KEY,
            thread_id  TEXT NOT NULL REFERENCES conversations (thread_id) ON DELETE CASCADE,
            question   TEXT NOT NULL,
            answer     TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX conversation_turns_thread ON conversation_turns (thread_id, id);
        CREATE INDEX conversation_turns_created_at ON conversation_turns (created_at);
        """,
        // Model tokens spent per server and UTC day (the daily budget, shared by every process on the library).
        """
        CREATE TABLE usage_daily (
            scope  TEXT NOT NULL,
            day    TEXT NOT NULL,
            tokens INTEGER NOT NULL,
            PRIMARY KEY (scope, day)
        );
        """,
        // Passages still waiting for a vector, found without scanning the table on large libraries.
        """
        CREATE INDEX passages_without_embedding ON passages (paper_id) WHERE embedding IS NULL;
        """,
        """
        -- Feeds: where each configured source got to, for the next fetch and for 'paperbot feeds list'.
        CREATE TABLE feed_cursors (
            source        TEXT PRIMARY KEY,
            position      TEXT,
            etag          TEXT,
            last_modified TEXT,
            validator_url TEXT,
            last_attempt  TEXT,
            last_success  TEXT,
            last_error    TEXT,
            last_added    INTEGER NOT NULL DEFAULT 0
        );
        """,
        """
        -- Digests. paper_arrivals is the library's own insertion order (AUTOINCREMENT never reuses a number),
        -- the high-water mark a subscription's candidates are counted from.
        CREATE TABLE paper_arrivals (
            seq      INTEGER PRIMARY KEY AUTOINCREMENT,
            paper_id TEXT NOT NULL,
            added_at TEXT NOT NULL
        );
        CREATE INDEX paper_arrivals_paper ON paper_arrivals (paper_id);
        INSERT INTO paper_arrivals (paper_id, added_at) SELECT id, added_at FROM papers ORDER BY added_at, rowid;
        CREATE TRIGGER papers_arrival AFTER INSERT ON papers
        BEGIN
            INSERT INTO paper_arrivals (paper_id, added_at) VALUES (new.id, new.updated_at);
        END;
        CREATE TABLE digest_subscriptions (
            id            INTEGER PRIMARY KEY,
            guild_id      TEXT,
            channel_id    TEXT NOT NULL UNIQUE,
            topics        TEXT NOT NULL,
            categories    TEXT NOT NULL,
            cron          TEXT NOT NULL,
            time_zone     TEXT NOT NULL,
            max_papers    INTEGER NOT NULL,
            min_score     REAL NOT NULL,
            high_water    INTEGER,
            created_at    TEXT NOT NULL,
            created_by    TEXT,
            paused_reason TEXT,
            paused_at     TEXT,
            last_result   TEXT,
            last_run_at   TEXT
        );
        CREATE TABLE digest_runs (
            id              INTEGER PRIMARY KEY,
            subscription_id INTEGER NOT NULL REFERENCES digest_subscriptions (id) ON DELETE CASCADE,
            occurrence      TEXT NOT NULL,
            state           TEXT NOT NULL,
            claimed_by      TEXT NOT NULL,
            lease_until     TEXT NOT NULL,
            plan            TEXT,
            message_ids     TEXT NOT NULL DEFAULT '[]',
            high_water      INTEGER,
            created_at      TEXT NOT NULL,
            finished_at     TEXT,
            error           TEXT,
            UNIQUE (subscription_id, occurrence)
        );
        CREATE TABLE digest_posted (
            channel_id TEXT NOT NULL,
            paper_id   TEXT NOT NULL,
            run_id     INTEGER NOT NULL,
            posted_at  TEXT NOT NULL,
            PRIMARY KEY (channel_id, paper_id)
        );
        CREATE TABLE digest_votes (
            channel_id TEXT NOT NULL,
            paper_id   TEXT NOT NULL,
            user_id    TEXT NOT NULL,
            vote       INTEGER NOT NULL,
            voted_at   TEXT NOT NULL,
            PRIMARY KEY (channel_id, paper_id, user_id)
        );
        """,
        """
        -- The change sequence: one row per paper added, updated (its passages or their vectors too) or removed,
        -- numbered in commit order across processes (AUTOINCREMENT never reuses a number). Each process's
        -- in-memory search indexes catch up from the last number they applied instead of reloading everything.
        CREATE TABLE paper_changes (
            seq        INTEGER PRIMARY KEY AUTOINCREMENT,
            paper_id   TEXT NOT NULL,
            kind       TEXT NOT NULL,
            changed_at TEXT NOT NULL
        );
        """,
        // Feeds: the lease that lets one process at a time fetch (holder, until), taken over when it expires.
        """
        CREATE TABLE feed_lease (
            name        TEXT PRIMARY KEY,
            holder      TEXT NOT NULL,
            lease_until TEXT NOT NULL
        );
        """,
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int CurrentVersion => Migrations.Length;

    public static async Task MigrateAsync(SqliteConnection connection, ILogger logger, CancellationToken cancellationToken)
    {
        // Each step reads the version under the write lock (BEGIN IMMEDIATE): two processes opening a new
        // library at once (the bot and a CLI verb) migrate it once, the second finding the work done.
        while (true)
        {
            await using var transaction = connection.BeginTransaction(deferred: false);
            await using var read = connection.CreateCommand();
            read.Transaction = transaction;
            read.CommandText = "PRAGMA user_version";
            var version = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
            if (version > CurrentVersion)
            {
                throw new UserFacingException(
                    $"The library '{connection.DataSource}' has schema version {version}, newer than this PaperBot understands ({CurrentVersion}). Update PaperBot.");
            }

            if (version == CurrentVersion)
            {
                await transaction.CommitAsync(cancellationToken);
                return;
            }

            var next = version + 1;
            await LibraryStore.ExecuteAsync(connection, Migrations[next - 1], cancellationToken, transaction);
            await LibraryStore.ExecuteAsync(connection, $"PRAGMA user_version = {next}", cancellationToken, transaction);
            await transaction.CommitAsync(cancellationToken);
            logger.LogInformation("Library schema migrated to version {SchemaVersion}", next);
        }
    }
}
