using System.Globalization;
using Microsoft.Data.Sqlite;

namespace PaperBot.Core.Library.Sqlite;

/// <summary>
/// Lexical ranking by SQLite FTS5: BM25 over <c>passages_fts</c> (title and body columns, porter stems), the
/// vocabulary from <c>passages_vocab</c>, and stems from a temporary FTS5 table with the library's tokenizer.
/// </summary>
public sealed class SqliteLexicalIndex(LibraryStore library) : ILexicalIndex
{
    private const double TitleWeight = 3.0;
    private const double BodyWeight = 1.0;

    public async Task<IReadOnlyList<(long PassageId, double Score)>> SearchAsync(LexicalQuery query, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Terms.Count == 0)
        {
            return [];
        }

        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT rowid, bm25(passages_fts, {TitleWeight}, {BodyWeight}) AS score FROM passages_fts WHERE passages_fts MATCH $q ORDER BY score LIMIT $limit";
        command.Parameters.AddWithValue("$q", ToMatch(query));
        command.Parameters.AddWithValue("$limit", limit);
        var rows = new List<(long, double)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetInt64(0), -reader.GetDouble(1))); // bm25() is lower-better
        }

        return rows;
    }

    public async Task<PassageTermCounts> CountPassagesWithTermsAsync(IReadOnlyList<string> terms, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(terms);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var total = connection.CreateCommand();
        total.CommandText = "SELECT count(*) FROM passages";
        var passages = Convert.ToInt64(await total.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        var counts = new List<long>(terms.Count);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM passages_fts WHERE passages_fts MATCH $q";
        var match = command.Parameters.Add("$q", SqliteType.Text);
        foreach (var term in terms)
        {
            match.Value = ToMatch(new LexicalQuery([new LexicalTerm(term, Prefix: true)]));
            counts.Add(Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture));
        }

        return new PassageTermCounts(passages, counts);
    }

    public async Task<List<(string Word, string Stem)>> StemAsync(IReadOnlyList<string> words, CancellationToken cancellationToken = default)
    {
        await using var connection = await library.OpenAsync(cancellationToken);
        return await StemAsync(connection, words, cancellationToken);
    }

    public async Task<Dictionary<string, long>> ReadVocabularyAsync(CancellationToken cancellationToken = default)
    {
        var documents = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var connection = await library.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT term, doc FROM passages_vocab";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            documents[reader.GetString(0)] = reader.GetInt64(1);
        }

        return documents;
    }

    /// <summary>The FTS5 MATCH expression of a query: each word quoted (so FTS5 syntax in user text is inert), joined by OR.</summary>
    internal static string ToMatch(LexicalQuery query) =>
        string.Join(" OR ", query.Terms.Select(t => "\"" + t.Word.Replace("\"", "\"\"", StringComparison.Ordinal) + (t.Prefix ? "\"*" : "\"")));

    /// <summary>The porter stem FTS5 gives each word, from a temporary FTS5 table with the library's tokenizer.</summary>
    internal static async Task<List<(string Word, string Stem)>> StemAsync(SqliteConnection connection, IReadOnlyList<string> words, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(words);
        await using (var setup = connection.CreateCommand())
        {
            setup.CommandText = """
                CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_words USING fts5 (word, tokenize = 'porter unicode61 remove_diacritics 2');
                CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_stems USING fts5vocab (temp, query_words, 'instance');
                DELETE FROM temp.query_words;
                """;
            await setup.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = "INSERT INTO temp.query_words (rowid, word) VALUES ($i, $w)";
            var i = insert.Parameters.Add("$i", SqliteType.Integer);
            var w = insert.Parameters.Add("$w", SqliteType.Text);
            for (var k = 0; k < words.Count; k++)
            {
                i.Value = k;
                w.Value = words[k];
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        var stems = new string?[words.Count];
        await using (var select = connection.CreateCommand())
        {
            select.CommandText = "SELECT doc, term FROM temp.query_stems ORDER BY doc, offset";
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                stems[reader.GetInt32(0)] ??= reader.GetString(1);
            }
        }

        return [.. words.Select((word, k) => (word, stems[k] ?? word))];
    }
}
