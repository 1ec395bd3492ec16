using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using PaperBot.Core;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Library;
using PaperBot.Core.Library.Sqlite;

namespace PaperBot.Store.Postgres;

/// <summary>Rows of one table in the library file and in the database after a copy.</summary>
public sealed record TableCount(string Table, long InFile, long InDatabase)
{
    public bool Matches => InFile == InDatabase;
}

/// <summary>What <see cref="PostgresLibraryCopy.CopyAsync"/> found at the end, table by table.</summary>
public sealed record LibraryCopyReport(string From, string To, IReadOnlyList<TableCount> Tables, int PapersCopied)
{
    public bool Matches => Tables.All(t => t.Matches);
}

/// <summary>
/// Copies an SQLite library file into a PostgreSQL library: papers with their passages and vectors, summaries,
/// digest subscriptions, runs, posted papers and votes, answers, conversations with their turns, usage and feed
/// cursors. Idempotent: a row already in the database (by its key: a paper's id, a subscription's channel, a run's
/// occurrence, an answer's id, a thread) is left as it is, so a second copy adds nothing. The file is read in one
/// snapshot, so a bot writing to it meanwhile does not tear the copy. Papers are copied in their order of arrival
/// and digests' high-water marks are translated to the database's arrival numbers; answers keep their ids (the
/// buttons of messages already in Discord name them). The feed lease and the change sequence are not copied: the
/// copied papers enter the database's own change sequence as added.
/// </summary>
public sealed class PostgresLibraryCopy(TimeProvider time, ILoggerFactory loggerFactory)
{
    private const int Batch = 500;
    private const string Source = "library copy";

    /// <summary>Copies <paramref name="libraryFile"/> into the database of <paramref name="connectionString"/> (migrated first).</summary>
    /// <exception cref="UserFacingException">No such file, or the database cannot be used.</exception>
    public async Task<LibraryCopyReport> CopyAsync(
        string libraryFile, string connectionString, IProgress<IngestProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(libraryFile);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        if (!File.Exists(libraryFile))
        {
            throw new UserFacingException($"There is no library file at '{libraryFile}'. Set Library:Path to the SQLite library to copy.");
        }

        // The file is brought to the current schema first (as any verb would), then read without writing.
        using (var store = new LibraryStore(Options.Create(new LibraryOptions { Path = libraryFile }), time, loggerFactory.CreateLogger<LibraryStore>()))
        {
            await new SqlitePaperStore(store).GetStatsAsync(cancellationToken);
        }

        await using var library = new PostgresLibrary(connectionString, loggerFactory.CreateLogger<PostgresLibrary>());
        await library.EnsureMigratedAsync(cancellationToken);
        await using var file = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = libraryFile, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await file.OpenAsync(cancellationToken);
        await using var snapshot = file.BeginTransaction(deferred: true);
        var copy = new Copy(file, snapshot, library, progress, time.GetUtcNow());
        var papersCopied = await copy.PapersAsync(cancellationToken);
        await copy.SummariesAsync(cancellationToken);
        await copy.MetaAsync(cancellationToken);
        await copy.DigestsAsync(cancellationToken);
        await copy.AnswersAsync(cancellationToken);
        await copy.ConversationsAsync(cancellationToken);
        await copy.UsageAndFeedsAsync(cancellationToken);
        var counts = await copy.CountAsync(cancellationToken);
        await snapshot.CommitAsync(cancellationToken);
        SqliteConnection.ClearPool(file);
        return new LibraryCopyReport(Path.GetFullPath(libraryFile), library.Describe(), counts, papersCopied);
    }

    /// <summary>One copy: the file's snapshot, the database, and the arrival numbers of papers in each.</summary>
    private sealed class Copy(SqliteConnection file, SqliteTransaction snapshot, PostgresLibrary library, IProgress<IngestProgress>? progress, DateTimeOffset now)
    {
        /// <summary>The file's arrival numbers of the papers, ascending, and the newest database arrival among the papers up to each.</summary>
        private long[] _fileArrivals = [];
        private long[] _databaseArrivalsUpTo = [];

        public async Task<int> PapersAsync(CancellationToken cancellationToken)
        {
            // In order of arrival (a paper's latest), so that the database numbers them in the same order.
            var total = await CountInFileAsync("papers", cancellationToken);
            var done = 0;
            var order = new List<(long FileArrival, string Id)>(total);
            var copied = 0;
            var databaseArrivals = new Dictionary<string, long>(StringComparer.Ordinal);
            await foreach (var batch in ReadBatchesAsync("""
                SELECT p.id, p.title, p.authors, p.abstract, p.published, p.categories, p.source_url, p.full_text, p.added_at, p.updated_at,
                       p.version, p.content_hash, coalesce(a.arrival, 0)
                FROM papers p LEFT JOIN (SELECT paper_id, max(seq) AS arrival FROM paper_arrivals GROUP BY paper_id) a ON a.paper_id = p.id
                ORDER BY coalesce(a.arrival, 0), p.rowid
                """, r => (Values: Values(r, 12), Arrival: r.GetInt64(12)), cancellationToken))
            {
                await using var connection = await library.OpenAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await PaperWriteLock.TakeAsync(connection, transaction, cancellationToken);
                var inserted = new List<string>();
                await using (var insert = new NpgsqlBatch(connection, transaction))
                {
                    foreach (var (values, _) in batch)
                    {
                        var command = new NpgsqlBatchCommand("""
                            INSERT INTO papers (id, title, authors, abstract, published, categories, source_url, full_text, added_at, updated_at, version, content_hash)
                            VALUES (@id, @title, @authors, @abstract, @published, @categories, @url, @full, @added, @updated, @version, @hash)
                            ON CONFLICT (id) DO NOTHING
                            RETURNING id
                            """);
                        Bind(command, ("id", Text, values[0]), ("title", Text, values[1]), ("authors", Text, values[2]), ("abstract", Text, values[3]),
                            ("published", Text, values[4]), ("categories", Text, values[5]), ("url", Text, values[6]), ("full", Text, values[7]),
                            ("added", Instant, values[8]), ("updated", Instant, values[9]), ("version", NpgsqlDbType.Integer, Convert.ToInt32(values[10], CultureInfo.InvariantCulture)),
                            ("hash", Text, values[11]));
                        insert.BatchCommands.Add(command);
                    }

                    await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
                    do
                    {
                        while (await reader.ReadAsync(cancellationToken))
                        {
                            inserted.Add(reader.GetString(0));
                        }
                    }
                    while (await reader.NextResultAsync(cancellationToken));
                }

                if (inserted.Count > 0)
                {
                    await CopyPassagesAsync(connection, inserted, cancellationToken);
                    await PostgresPaperStore.RecordChangesAsync(connection, transaction, inserted, PaperChangeKind.Added, now, cancellationToken);
                }

                await using (var arrivals = new NpgsqlCommand("SELECT id, added_seq FROM papers WHERE id = ANY(@ids)", connection, transaction))
                {
                    arrivals.TextArray("ids", [.. batch.Select(p => (string)p.Values[0]!)]);
                    foreach (var (id, seq) in await arrivals.ReadAllAsync(r => (r.GetString(0), r.GetInt64(1)), cancellationToken))
                    {
                        databaseArrivals[id] = seq;
                    }
                }

                await transaction.CommitAsync(cancellationToken);
                copied += inserted.Count;
                done += batch.Count;
                order.AddRange(batch.Select(p => (p.Arrival, (string)p.Values[0]!)));
                progress?.Report(new IngestProgress(Source, "papers", done, total));
            }

            _fileArrivals = [.. order.Select(p => p.FileArrival)];
            _databaseArrivalsUpTo = new long[order.Count];
            for (var i = 0; i < order.Count; i++)
            {
                var arrival = databaseArrivals[order[i].Id];
                _databaseArrivalsUpTo[i] = i == 0 ? arrival : Math.Max(arrival, _databaseArrivalsUpTo[i - 1]);
            }

            return copied;
        }

        public async Task SummariesAsync(CancellationToken cancellationToken) =>
            await CopyRowsAsync("summaries", "SELECT paper_id, level, prompt_version, model, text, created_at FROM summaries ORDER BY rowid", """
                INSERT INTO summaries (paper_id, level, prompt_version, model, text, created_at)
                SELECT @paper, @level, @version, @model, @text, @at WHERE EXISTS (SELECT 1 FROM papers WHERE id = @paper)
                ON CONFLICT DO NOTHING
                """,
                v => [("paper", Text, v[0]), ("level", Text, v[1]), ("version", Text, v[2]), ("model", Text, v[3]), ("text", Text, v[4]), ("at", Instant, v[5])],
                cancellationToken);

        /// <summary>The embedding model and whether the library was seeded; a database that has its own keeps them.</summary>
        public async Task MetaAsync(CancellationToken cancellationToken) =>
            await CopyRowsAsync("meta", "SELECT key, value FROM meta WHERE key IN ('embedding_model', 'seeded')",
                "INSERT INTO meta (key, value) VALUES (@key, @value) ON CONFLICT (key) DO NOTHING",
                v => [("key", Text, v[0]), ("value", Text, v[1])], cancellationToken);

        public async Task DigestsAsync(CancellationToken cancellationToken)
        {
            // Subscriptions by channel, runs by (channel, occurrence): the database's own ids are looked up in the insert.
            await CopyRowsAsync("digest_subscriptions", """
                SELECT guild_id, channel_id, topics, categories, cron, time_zone, max_papers, min_score, high_water, created_at, created_by,
                       paused_reason, paused_at, last_result, last_run_at
                FROM digest_subscriptions ORDER BY id
                """, """
                INSERT INTO digest_subscriptions (guild_id, channel_id, topics, categories, cron, time_zone, max_papers, min_score, high_water,
                                                  created_at, created_by, paused_reason, paused_at, last_result, last_run_at)
                VALUES (@guild, @channel, @topics, @categories, @cron, @zone, @max, @min, @hw, @created, @by, @paused, @pausedAt, @result, @lastRun)
                ON CONFLICT (channel_id) DO NOTHING
                """,
                v => [("guild", Text, v[0]), ("channel", Text, v[1]), ("topics", Text, v[2]), ("categories", TextArray, JsonArray(v[3])), ("cron", Text, v[4]),
                    ("zone", Text, v[5]), ("max", NpgsqlDbType.Integer, Convert.ToInt32(v[6], CultureInfo.InvariantCulture)),
                    ("min", NpgsqlDbType.Double, Convert.ToDouble(v[7], CultureInfo.InvariantCulture)), ("hw", NpgsqlDbType.Bigint, HighWater(v[8])),
                    ("created", Instant, v[9]), ("by", Text, v[10]), ("paused", Text, v[11]), ("pausedAt", Instant, v[12]), ("result", Text, v[13]),
                    ("lastRun", Instant, v[14])],
                cancellationToken);
            await CopyRowsAsync("digest_runs", """
                SELECT s.channel_id, r.occurrence, r.state, r.claimed_by, r.lease_until, r.plan, r.message_ids, r.high_water, r.created_at, r.finished_at, r.error
                FROM digest_runs r JOIN digest_subscriptions s ON s.id = r.subscription_id ORDER BY r.id
                """, """
                INSERT INTO digest_runs (subscription_id, occurrence, state, claimed_by, lease_until, plan, message_ids, high_water, created_at, finished_at, error)
                SELECT id, @occurrence, @state, @owner, @lease, @plan, @messages, @hw, @created, @finished, @error FROM digest_subscriptions WHERE channel_id = @channel
                ON CONFLICT (subscription_id, occurrence) DO NOTHING
                """,
                v => [("channel", Text, v[0]), ("occurrence", Text, v[1]), ("state", Text, v[2]), ("owner", Text, v[3]), ("lease", Instant, v[4]), ("plan", Text, v[5]),
                    ("messages", TextArray, JsonArray(v[6])), ("hw", NpgsqlDbType.Bigint, HighWater(v[7])), ("created", Instant, v[8]), ("finished", Instant, v[9]),
                    ("error", Text, v[10])],
                cancellationToken);
            await CopyRowsAsync("digest_posted", """
                SELECT p.channel_id, p.paper_id, s.channel_id, r.occurrence, p.posted_at
                FROM digest_posted p LEFT JOIN digest_runs r ON r.id = p.run_id LEFT JOIN digest_subscriptions s ON s.id = r.subscription_id
                ORDER BY p.rowid
                """, """
                INSERT INTO digest_posted (channel_id, paper_id, run_id, posted_at)
                VALUES (@channel, @paper, coalesce((SELECT r.id FROM digest_runs r JOIN digest_subscriptions s ON s.id = r.subscription_id
                                                     WHERE s.channel_id = @runChannel AND r.occurrence = @occurrence), 0), @at)
                ON CONFLICT DO NOTHING
                """,
                v => [("channel", Text, v[0]), ("paper", Text, v[1]), ("runChannel", Text, v[2]), ("occurrence", Text, v[3]), ("at", Instant, v[4])],
                cancellationToken);
            await CopyRowsAsync("digest_votes", "SELECT channel_id, paper_id, user_id, vote, voted_at FROM digest_votes ORDER BY rowid", """
                INSERT INTO digest_votes (channel_id, paper_id, user_id, vote, voted_at) VALUES (@channel, @paper, @user, @vote, @at)
                ON CONFLICT DO NOTHING
                """,
                v => [("channel", Text, v[0]), ("paper", Text, v[1]), ("user", Text, v[2]), ("vote", NpgsqlDbType.Integer, Convert.ToInt32(v[3], CultureInfo.InvariantCulture)),
                    ("at", Instant, v[4])],
                cancellationToken);
        }

        public async Task AnswersAsync(CancellationToken cancellationToken)
        {
            // Same ids: buttons on messages already posted carry them.
            await CopyRowsAsync("answers", "SELECT id, guild_id, channel_id, user_id, question, answer, mode, citations, created_at FROM answers ORDER BY id", """
                INSERT INTO answers (id, guild_id, channel_id, user_id, question, answer, mode, citations, created_at) OVERRIDING SYSTEM VALUE
                VALUES (@id, @guild, @channel, @user, @question, @answer, @mode, @citations, @at)
                ON CONFLICT (id) DO NOTHING
                """,
                v => [("id", NpgsqlDbType.Bigint, v[0]), ("guild", Text, v[1]), ("channel", Text, v[2]), ("user", Text, v[3]), ("question", Text, v[4]),
                    ("answer", Text, v[5]), ("mode", Text, v[6]), ("citations", NpgsqlDbType.Jsonb, v[7]), ("at", Instant, v[8])],
                cancellationToken);
            await using var connection = await library.OpenAsync(cancellationToken);
            await using var next = new NpgsqlCommand(
                "SELECT setval(pg_get_serial_sequence('answers', 'id'), greatest((SELECT max(id) FROM answers), 1))", connection);
            await next.ExecuteNonQueryAsync(cancellationToken);
        }

        public async Task ConversationsAsync(CancellationToken cancellationToken)
        {
            var conversations = await ReadAsync(
                "SELECT thread_id, guild_id, channel_id, started_by, created_at, last_active_at, hint_sent FROM conversations ORDER BY rowid", r => Values(r, 7), cancellationToken);
            var turns = (await ReadAsync("SELECT thread_id, question, answer, created_at FROM conversation_turns ORDER BY id", r => Values(r, 4), cancellationToken))
                .ToLookup(t => (string)t[0]!, StringComparer.Ordinal);
            for (var start = 0; start < conversations.Count; start += Batch)
            {
                await using var connection = await library.OpenAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                foreach (var v in conversations.Skip(start).Take(Batch))
                {
                    // A thread's turns go with it: only a thread new to the database gets them, so a second copy adds none.
                    await using var insert = new NpgsqlCommand("""
                        INSERT INTO conversations (thread_id, guild_id, channel_id, started_by, created_at, last_active_at, hint_sent)
                        VALUES (@thread, @guild, @channel, @by, @created, @active, @hint)
                        ON CONFLICT (thread_id) DO NOTHING
                        """, connection, transaction);
                    Bind(insert, ("thread", Text, v[0]), ("guild", Text, v[1]), ("channel", Text, v[2]), ("by", Text, v[3]), ("created", Instant, v[4]),
                        ("active", Instant, v[5]), ("hint", NpgsqlDbType.Boolean, Convert.ToInt64(v[6], CultureInfo.InvariantCulture) != 0));
                    if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
                    {
                        continue;
                    }

                    await using var batch = new NpgsqlBatch(connection, transaction);
                    foreach (var turn in turns[(string)v[0]!])
                    {
                        var command = new NpgsqlBatchCommand("INSERT INTO conversation_turns (thread_id, question, answer, created_at) VALUES (@thread, @question, @answer, @at)");
                        Bind(command, ("thread", Text, turn[0]), ("question", Text, turn[1]), ("answer", Text, turn[2]), ("at", Instant, turn[3]));
                        batch.BatchCommands.Add(command);
                    }

                    if (batch.BatchCommands.Count > 0)
                    {
                        await batch.ExecuteNonQueryAsync(cancellationToken);
                    }
                }

                await transaction.CommitAsync(cancellationToken);
                progress?.Report(new IngestProgress(Source, "conversations", Math.Min(start + Batch, conversations.Count), conversations.Count));
            }
        }

        public async Task UsageAndFeedsAsync(CancellationToken cancellationToken)
        {
            await CopyRowsAsync("usage_daily", "SELECT scope, day, tokens FROM usage_daily ORDER BY rowid",
                "INSERT INTO usage_daily (scope, day, tokens) VALUES (@scope, @day, @tokens) ON CONFLICT DO NOTHING",
                v => [("scope", Text, v[0]), ("day", NpgsqlDbType.Date, DateOnly.ParseExact((string)v[1]!, "yyyy-MM-dd", CultureInfo.InvariantCulture)),
                    ("tokens", NpgsqlDbType.Bigint, v[2])],
                cancellationToken);
            await CopyRowsAsync("feed_cursors", """
                SELECT source, position, etag, last_modified, validator_url, last_attempt, last_success, last_error, last_added FROM feed_cursors ORDER BY rowid
                """, """
                INSERT INTO feed_cursors (source, position, etag, last_modified, validator_url, last_attempt, last_success, last_error, last_added)
                VALUES (@source, @position, @etag, @modified, @validator, @attempt, @success, @error, @added)
                ON CONFLICT (source) DO NOTHING
                """,
                v => [("source", Text, v[0]), ("position", Text, v[1]), ("etag", Text, v[2]), ("modified", Text, v[3]), ("validator", Text, v[4]),
                    ("attempt", Instant, v[5]), ("success", Instant, v[6]), ("error", Text, v[7]), ("added", NpgsqlDbType.Integer, Convert.ToInt32(v[8], CultureInfo.InvariantCulture))],
                cancellationToken);
        }

        /// <summary>Rows in the file's snapshot and in the database, table by table.</summary>
        public async Task<List<TableCount>> CountAsync(CancellationToken cancellationToken)
        {
            (string Name, string Query)[] tables =
            [
                ("papers", "SELECT count(*) FROM papers"),
                ("passages", "SELECT count(*) FROM passages"),
                ("passages with vectors", "SELECT count(*) FROM passages WHERE embedding IS NOT NULL"),
                ("summaries", "SELECT count(*) FROM summaries"),
                ("digest_subscriptions", "SELECT count(*) FROM digest_subscriptions"),
                ("digest_runs", "SELECT count(*) FROM digest_runs"),
                ("digest_posted", "SELECT count(*) FROM digest_posted"),
                ("digest_votes", "SELECT count(*) FROM digest_votes"),
                ("answers", "SELECT count(*) FROM answers"),
                ("conversations", "SELECT count(*) FROM conversations"),
                ("conversation_turns", "SELECT count(*) FROM conversation_turns"),
                ("usage_daily", "SELECT count(*) FROM usage_daily"),
                ("feed_cursors", "SELECT count(*) FROM feed_cursors"),
            ];
            var counts = new List<TableCount>(tables.Length);
            await using var connection = await library.OpenAsync(cancellationToken);
            foreach (var (name, query) in tables)
            {
                await using var inFile = file.CreateCommand();
                inFile.Transaction = snapshot;
                inFile.CommandText = query;
                await using var inDatabase = new NpgsqlCommand(query, connection);
                counts.Add(new TableCount(
                    name,
                    Convert.ToInt64(await inFile.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture),
                    (long)(await inDatabase.ExecuteScalarAsync(cancellationToken))!));
            }

            return counts;
        }

        /// <summary>The passages of newly copied papers, with their vectors, by binary COPY (in the papers' transaction).</summary>
        private async Task CopyPassagesAsync(NpgsqlConnection connection, List<string> paperIds, CancellationToken cancellationToken)
        {
            await using var read = file.CreateCommand();
            read.Transaction = snapshot;
            read.CommandText = "SELECT paper_id, chunk, text, embedding FROM passages WHERE paper_id IN (SELECT value FROM json_each($ids)) ORDER BY rowid";
            read.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(paperIds));
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            await using var import = await connection.BeginBinaryImportAsync(
                "COPY passages (paper_id, chunk, text, embedding) FROM STDIN (FORMAT BINARY)", cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                await import.StartRowAsync(cancellationToken);
                await import.WriteAsync(reader.GetString(0), NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(reader.GetInt32(1), NpgsqlDbType.Integer, cancellationToken);
                await import.WriteAsync(reader.GetString(2), NpgsqlDbType.Text, cancellationToken);
                if (reader.IsDBNull(3))
                {
                    await import.WriteNullAsync(cancellationToken);
                }
                else
                {
                    await import.WriteAsync(MemoryMarshal.Cast<byte, float>((byte[])reader.GetValue(3)).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Real, cancellationToken);
                }
            }

            await import.CompleteAsync(cancellationToken);
        }

        /// <summary>
        /// A digest high-water mark of the file (an arrival number there) as the database's: the newest database arrival
        /// among the papers that had arrived by it.
        /// </summary>
        private long? HighWater(object? fileMark)
        {
            if (fileMark is null)
            {
                return null;
            }

            var mark = System.Convert.ToInt64(fileMark, CultureInfo.InvariantCulture);
            // The number of papers that had arrived by the mark (the first index past it).
            var index = Array.BinarySearch(_fileArrivals, mark);
            var arrived = index >= 0 ? LastOf(index) + 1 : ~index;
            return arrived == 0 ? 0L : _databaseArrivalsUpTo[arrived - 1];
        }

        private int LastOf(int index)
        {
            while (index + 1 < _fileArrivals.Length && _fileArrivals[index + 1] == _fileArrivals[index])
            {
                index++;
            }

            return index;
        }

        private async Task CopyRowsAsync(
            string table, string select, string insert, Func<object?[], (string Name, NpgsqlDbType Type, object? Value)[]> bind, CancellationToken cancellationToken)
        {
            var total = await CountInFileAsync(table, cancellationToken);
            var done = 0;
            await foreach (var rows in ReadBatchesAsync(select, r => Values(r, r.FieldCount), cancellationToken))
            {
                await using var connection = await library.OpenAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using var batch = new NpgsqlBatch(connection, transaction);
                foreach (var row in rows)
                {
                    var command = new NpgsqlBatchCommand(insert);
                    Bind(command, bind(row));
                    batch.BatchCommands.Add(command);
                }

                await batch.ExecuteNonQueryAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                done += rows.Count;
                progress?.Report(new IngestProgress(Source, table, done, total));
            }
        }

        /// <summary>The rows of a query in batches of <see cref="Batch"/>, read as they are copied (the file's other queries run meanwhile).</summary>
        private async IAsyncEnumerable<List<T>> ReadBatchesAsync<T>(
            string select, Func<SqliteDataReader, T> map, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await using var command = file.CreateCommand();
            command.Transaction = snapshot;
            command.CommandText = select;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var rows = new List<T>(Batch);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(map(reader));
                if (rows.Count == Batch)
                {
                    yield return rows;
                    rows = new List<T>(Batch);
                }
            }

            if (rows.Count > 0)
            {
                yield return rows;
            }
        }

        private async Task<int> CountInFileAsync(string table, CancellationToken cancellationToken)
        {
            await using var command = file.CreateCommand();
            command.Transaction = snapshot;
            command.CommandText = $"SELECT count(*) FROM {table}";
            return System.Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }

        private async Task<List<T>> ReadAsync<T>(string select, Func<SqliteDataReader, T> map, CancellationToken cancellationToken)
        {
            await using var command = file.CreateCommand();
            command.Transaction = snapshot;
            command.CommandText = select;
            var rows = new List<T>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(map(reader));
            }

            return rows;
        }

        private static object?[] Values(SqliteDataReader reader, int count)
        {
            var values = new object?[count];
            for (var i = 0; i < count; i++)
            {
                values[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            return values;
        }

        private static string?[]? JsonArray(object? json) => json is string text ? JsonSerializer.Deserialize<string?[]>(text) ?? [] : null;
    }

    // Parameter kinds that need converting from the file's text; the rest are passed as read.
    private const NpgsqlDbType Text = NpgsqlDbType.Text;
    private const NpgsqlDbType Instant = NpgsqlDbType.TimestampTz;
    private const NpgsqlDbType TextArray = NpgsqlDbType.Array | NpgsqlDbType.Text;

    private static void Bind(NpgsqlBatchCommand command, params (string Name, NpgsqlDbType Type, object? Value)[] parameters)
    {
        foreach (var (name, type, value) in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter(name, type) { Value = ToParameter(type, value) ?? DBNull.Value });
        }
    }

    private static void Bind(NpgsqlCommand command, params (string Name, NpgsqlDbType Type, object? Value)[] parameters)
    {
        foreach (var (name, type, value) in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter(name, type) { Value = ToParameter(type, value) ?? DBNull.Value });
        }
    }

    /// <summary>The file keeps instants as UTC text.</summary>
    private static object? ToParameter(NpgsqlDbType type, object? value) => type == Instant && value is string text
        ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)
        : value;
}
