using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace PaperBot.Core.Library.Sqlite;

/// <summary>Row mapper of the <c>papers</c> table.</summary>
internal static class PaperRows
{
    /// <summary>The columns <see cref="Read"/> expects, in order.</summary>
    public const string Select =
        "SELECT id, title, authors, abstract, published, categories, source_url, full_text, added_at, version FROM papers";

    public const string Insert = """
        INSERT INTO papers (id, title, authors, abstract, published, categories, source_url, full_text, added_at, updated_at, version, content_hash)
        VALUES ($id, $title, $authors, $abstract, $published, $categories, $url, $full, $added, $updated, $version, $hash)
        """;

    public static Paper Read(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        JsonSerializer.Deserialize<string[]>(reader.GetString(2)) ?? [],
        reader.GetString(3),
        reader.IsDBNull(4) ? null : DateOnly.ParseExact(reader.GetString(4), "yyyy-MM-dd", CultureInfo.InvariantCulture),
        JsonSerializer.Deserialize<string[]>(reader.GetString(5)) ?? [],
        reader.IsDBNull(6) ? null : reader.GetString(6),
        reader.IsDBNull(7) ? null : reader.GetString(7),
        Instants.Parse(reader.GetString(8)),
        reader.GetInt32(9));

    public static async Task<List<Paper>> ReadAllAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var papers = new List<Paper>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            papers.Add(Read(reader));
        }

        return papers;
    }

    /// <summary>The parameters of <see cref="Insert"/>.</summary>
    public static void Bind(SqliteCommand command, Paper paper, string hash, DateTimeOffset updatedAt)
    {
        command.Parameters.AddWithValue("$id", paper.Id);
        command.Parameters.AddWithValue("$title", paper.Title);
        command.Parameters.AddWithValue("$authors", JsonSerializer.Serialize(paper.Authors));
        command.Parameters.AddWithValue("$abstract", paper.Abstract);
        command.Parameters.AddWithValue("$published", (object?)paper.Published?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? DBNull.Value);
        command.Parameters.AddWithValue("$categories", JsonSerializer.Serialize(paper.Categories));
        command.Parameters.AddWithValue("$url", (object?)paper.SourceUrl ?? DBNull.Value);
        command.Parameters.AddWithValue("$full", (object?)paper.FullText ?? DBNull.Value);
        command.Parameters.AddWithValue("$added", Instants.Format(paper.AddedAt));
        command.Parameters.AddWithValue("$updated", Instants.Format(updatedAt));
        command.Parameters.AddWithValue("$version", paper.Version);
        command.Parameters.AddWithValue("$hash", hash);
    }

    /// <summary>The stored version of one paper (columns content_hash, version, added_at).</summary>
    public static StoredPaperVersion ReadVersion(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetInt32(1), Instants.Parse(reader.GetString(2)));
}

/// <summary>Instants are stored as sortable UTC text.</summary>
internal static class Instants
{
    public static string Format(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    public static DateTimeOffset Parse(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
