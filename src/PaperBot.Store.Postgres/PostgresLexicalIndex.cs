using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using PaperBot.Core.Library;

namespace PaperBot.Store.Postgres;

/// <summary>
/// Lexical ranking by PostgreSQL full-text search with the BM25 of SQLite's FTS5 (k1 = 1.2, b = 0.75, title words 3x,
/// IDF floored at 1e-6), so that moving a library does not change its ranking. The GIN index on <c>passage_lexemes.lexemes</c>
/// (english snowball stems) finds the passages holding any word; PostgreSQL returns only the query's lexemes of each
/// (with their positions), and the scores are computed here from them, the passage's word count and the totals.
/// </summary>
internal sealed class PostgresLexicalIndex(PostgresLibrary library) : ILexicalIndex
{
    private const double K1 = 1.2;
    private const double B = 0.75;
    private const double TitleWeight = 3.0;

    // Each word as a tsquery: phraseto_tsquery reads it as plain text (tsquery syntax in user text is inert); a prefix
    // word gets :* on its last lexeme, like FTS5's "word"*. Its stem is the last lexeme. Stop words give no query.
    private const string Words = """
        SELECT u.i, u.prefix,
               (SELECT v.lexeme FROM unnest(to_tsvector('english', u.word)) v ORDER BY v.positions[cardinality(v.positions)] DESC LIMIT 1) AS stem,
               CASE WHEN numnode(p.q) = 0 THEN NULL WHEN u.prefix THEN (p.q::text || ':*')::tsquery ELSE p.q END AS q
        FROM unnest(@words::text[], @prefixes::boolean[]) WITH ORDINALITY AS u (word, prefix, i)
        CROSS JOIN LATERAL phraseto_tsquery('english', u.word) AS p (q)
        """;

    private const string Totals = "SELECT coalesce(sum(passages), 0)::bigint, coalesce(sum(tokens), 0)::bigint FROM lexical_totals";

    public async Task<IReadOnlyList<(long PassageId, double Score)>> SearchAsync(LexicalQuery query, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Terms.Count == 0 || limit <= 0)
        {
            return [];
        }

        await using var connection = await library.OpenAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(Bind(new NpgsqlBatchCommand($"SELECT i, prefix, stem FROM ({Words}) w WHERE q IS NOT NULL ORDER BY i"), query));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(Totals));
        batch.BatchCommands.Add(Bind(new NpgsqlBatchCommand($$"""
            WITH words AS MATERIALIZED ({{Words}}),
            expanded AS MATERIALIZED (
                SELECT array_agg(DISTINCT e.lexeme) AS lexemes FROM (
                    SELECT stem AS lexeme FROM words WHERE q IS NOT NULL
                    UNION ALL
                    SELECT v.lexeme FROM words w CROSS JOIN LATERAL (
                        -- A range the primary key can scan (^@ alone is only indexed for a constant).
                        SELECT lexeme FROM lexical_vocabulary
                        WHERE lexeme >= w.stem AND lexeme < w.stem || chr(1114111) AND lexeme ^@ w.stem) v
                    WHERE w.prefix AND w.q IS NOT NULL) e)
            SELECT p.passage_id, p.tokens,
                   ts_filter(setweight(p.lexemes, 'b', e.lexemes), '{b}'),
                   ts_filter(setweight(p.title_lexemes, 'b', e.lexemes), '{b}')
            FROM passage_lexemes p, expanded e
            WHERE p.lexemes @@ (SELECT string_agg('(' || q::text || ')', ' | ')::tsquery FROM words WHERE q IS NOT NULL)
            """), query));

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var terms = new List<(string Stem, bool Prefix)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            terms.Add((reader.GetString(2), reader.GetBoolean(1)));
        }

        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var totalPassages = reader.GetInt64(0);
        var averageLength = (double)reader.GetInt64(1) / Math.Max(1, totalPassages);

        await reader.NextResultAsync(cancellationToken);
        var rows = new List<(long Id, int Tokens, double[] Frequencies)>();
        var documents = new long[terms.Count];
        while (await reader.ReadAsync(cancellationToken))
        {
            var frequencies = new double[terms.Count];
            AddOccurrences(reader.GetFieldValue<NpgsqlTsVector>(2), terms, frequencies, 1.0);
            if (!reader.IsDBNull(3))
            {
                // The title's words are also in the passage's lexemes: 2 more makes each title occurrence count 3.
                AddOccurrences(reader.GetFieldValue<NpgsqlTsVector>(3), terms, frequencies, TitleWeight - 1.0);
            }

            for (var t = 0; t < terms.Count; t++)
            {
                if (frequencies[t] > 0)
                {
                    documents[t]++;
                }
            }

            rows.Add((reader.GetInt64(0), reader.IsDBNull(1) ? 0 : reader.GetInt32(1), frequencies));
        }

        var idf = documents.Select(n => Math.Max(Math.Log((totalPassages - n + 0.5) / (n + 0.5)), 1e-6)).ToArray();
        return [.. rows
            .Select(r => (r.Id, Score: Score(r.Frequencies, r.Tokens, idf, averageLength)))
            .OrderByDescending(r => r.Score)
            .ThenBy(r => r.Id)
            .Take(limit)];
    }

    public async Task<PassageTermCounts> CountPassagesWithTermsAsync(IReadOnlyList<string> terms, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(terms);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(Totals));
        // A stop word has no lexeme to look for; it is in nearly every passage, which is what its count says.
        batch.BatchCommands.Add(Bind(new NpgsqlBatchCommand($"""
            SELECT w.i, CASE WHEN w.q IS NULL THEN (SELECT coalesce(sum(passages), 0) FROM lexical_totals)
                             ELSE (SELECT count(*) FROM passage_lexemes WHERE lexemes @@ w.q) END
            FROM ({Words}) w ORDER BY w.i
            """), new LexicalQuery([.. terms.Select(t => new LexicalTerm(t, Prefix: true))])));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var passages = reader.GetInt64(0);
        await reader.NextResultAsync(cancellationToken);
        var counts = new List<long>(terms.Count);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts.Add(reader.GetInt64(1));
        }

        return new PassageTermCounts(passages, counts);
    }

    public async Task<List<(string Word, string Stem)>> StemAsync(IReadOnlyList<string> words, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(words);
        if (words.Count == 0)
        {
            return [];
        }

        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT stem FROM ({Words}) w ORDER BY i", connection);
        Bind(command.Parameters, new LexicalQuery([.. words.Select(w => new LexicalTerm(w, Prefix: false))]));
        var stems = await command.ReadAllAsync(r => r.IsDBNull(0) ? null : r.GetString(0), cancellationToken);
        return [.. words.Select((word, k) => (word, stems[k] ?? word))];
    }

    public async Task<Dictionary<string, long>> ReadVocabularyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT word, ndoc FROM ts_stat('SELECT lexemes FROM passage_lexemes')", connection);
        var documents = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            documents[reader.GetString(0)] = reader.GetInt32(1);
        }

        return documents;
    }

    /// <summary>FTS5's bm25(): each term's IDF times its saturated, length-normalised frequency.</summary>
    internal static double Score(double[] frequencies, int tokens, double[] idf, double averageLength)
    {
        var score = 0.0;
        var norm = K1 * (1 - B + B * tokens / Math.Max(averageLength, 1e-9));
        for (var t = 0; t < frequencies.Length; t++)
        {
            var f = frequencies[t];
            if (f > 0)
            {
                score += idf[t] * f * (K1 + 1) / (f + norm);
            }
        }

        return score;
    }

    /// <summary>Adds each lexeme's occurrences (positions) to the frequency of every term it matches (exactly, or by prefix).</summary>
    private static void AddOccurrences(NpgsqlTsVector lexemes, List<(string Stem, bool Prefix)> terms, double[] frequencies, double weight)
    {
        foreach (var lexeme in lexemes)
        {
            var occurrences = Math.Max(1, lexeme.Count);
            for (var t = 0; t < terms.Count; t++)
            {
                var (stem, prefix) = terms[t];
                if (prefix ? lexeme.Text.StartsWith(stem, StringComparison.Ordinal) : string.Equals(lexeme.Text, stem, StringComparison.Ordinal))
                {
                    frequencies[t] += weight * occurrences;
                }
            }
        }
    }

    private static NpgsqlBatchCommand Bind(NpgsqlBatchCommand command, LexicalQuery query)
    {
        Bind(command.Parameters, query);
        return command;
    }

    private static void Bind(NpgsqlParameterCollection parameters, LexicalQuery query)
    {
        parameters.Add(new NpgsqlParameter("words", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = query.Terms.Select(t => t.Word).ToArray() });
        parameters.Add(new NpgsqlParameter("prefixes", NpgsqlDbType.Array | NpgsqlDbType.Boolean) { Value = query.Terms.Select(t => t.Prefix).ToArray() });
    }
}
