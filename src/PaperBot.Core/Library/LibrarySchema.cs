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
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int CurrentVersion => Migrations.Length;

    public static async Task MigrateAsync(SqliteConnection connection, ILogger logger, CancellationToken cancellationToken)
    {
        await using var read = connection.CreateCommand();
        read.CommandText = "PRAGMA user_version";
        var version = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        if (version > CurrentVersion)
        {
            throw new UserFacingException(
                $"The library '{connection.DataSource}' has schema version {version}, newer than this PaperBot understands ({CurrentVersion}). Update PaperBot.");
        }

        for (var next = version + 1; next <= CurrentVersion; next++)
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            await LibraryStore.ExecuteAsync(connection, Migrations[next - 1], cancellationToken, transaction);
            await LibraryStore.ExecuteAsync(connection, $"PRAGMA user_version = {next}", cancellationToken, transaction);
            await transaction.CommitAsync(cancellationToken);
            logger.LogInformation("Library schema migrated to version {SchemaVersion}", next);
        }
    }
}
