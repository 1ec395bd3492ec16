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
