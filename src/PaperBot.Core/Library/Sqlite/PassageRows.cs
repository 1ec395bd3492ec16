using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using PaperBot.Core.Search;

namespace PaperBot.Core.Library.Sqlite;

/// <summary>Row mapper of the <c>passages</c> table and its full-text twin <c>passages_fts</c> (same rowid).</summary>
internal static class PassageRows
{
    public const string Insert = """
        INSERT INTO passages (paper_id, chunk, text, embedding) VALUES ($paper, $chunk, $text, $embedding);
        INSERT INTO passages_fts (rowid, title, body) VALUES (last_insert_rowid(), $title, $body);
        """;

    /// <summary>Prepared parameters of <see cref="Insert"/>, bound once per row.</summary>
    public sealed class InsertParameters(SqliteCommand command)
    {
        private readonly SqliteParameter _paper = command.Parameters.Add("$paper", SqliteType.Text);
        private readonly SqliteParameter _chunk = command.Parameters.Add("$chunk", SqliteType.Integer);
        private readonly SqliteParameter _text = command.Parameters.Add("$text", SqliteType.Text);
        private readonly SqliteParameter _embedding = command.Parameters.Add("$embedding", SqliteType.Blob);
        private readonly SqliteParameter _title = command.Parameters.Add("$title", SqliteType.Text);
        private readonly SqliteParameter _body = command.Parameters.Add("$body", SqliteType.Text);

        public void Bind(Passage passage, string paperTitle, float[]? vector)
        {
            _paper.Value = passage.PaperId;
            _chunk.Value = passage.ChunkIndex;
            _text.Value = passage.Text;
            _embedding.Value = vector is null ? DBNull.Value : ToBlob(vector);
            // Chunk 0 starts with the title; index it in the title column only, so BM25 weights it once.
            _title.Value = passage.ChunkIndex == 0 ? paperTitle : "";
            _body.Value = passage.ChunkIndex == 0 ? passage.Text[paperTitle.Length..].TrimStart() : passage.Text;
        }
    }

    /// <summary>A passage from the columns paper_id, chunk, text.</summary>
    public static Passage ReadPassage(SqliteDataReader reader) => new(reader.GetString(0), reader.GetInt32(1), reader.GetString(2));

    /// <summary>A stored passage from the columns rowid, paper_id, chunk and, when <paramref name="withVector"/>, embedding.</summary>
    public static StoredPassage ReadStored(SqliteDataReader reader, bool withVector) => new(
        reader.GetInt64(0),
        string.Intern(reader.GetString(1)),
        reader.GetInt32(2),
        withVector && !reader.IsDBNull(3) ? FromBlob((byte[])reader.GetValue(3)) : null);

    public static byte[] ToBlob(float[] vector) => MemoryMarshal.AsBytes(vector.AsSpan()).ToArray();

    public static float[] FromBlob(byte[] blob) => MemoryMarshal.Cast<byte, float>(blob).ToArray();
}

/// <summary>Row mapper of the <c>summaries</c> table.</summary>
internal static class SummaryRows
{
    public static void BindKey(SqliteCommand command, SummaryCacheKey key)
    {
        command.Parameters.AddWithValue("$p", key.PaperId);
        command.Parameters.AddWithValue("$l", key.Level);
        command.Parameters.AddWithValue("$v", key.PromptVersion);
        command.Parameters.AddWithValue("$m", key.Model);
    }
}

/// <summary>Row mapper of the <c>paper_changes</c> table.</summary>
internal static class PaperChangeRows
{
    public const string Insert = "INSERT INTO paper_changes (paper_id, kind, changed_at) VALUES ($paper, $kind, $at)";

    public static void Bind(SqliteCommand command, string paperId, PaperChangeKind kind, DateTimeOffset at)
    {
        command.Parameters.AddWithValue("$paper", paperId);
        command.Parameters.AddWithValue("$kind", PaperChangeKinds.ToText(kind));
        command.Parameters.AddWithValue("$at", Instants.Format(at));
    }

    /// <summary>A change from the columns seq, paper_id, kind.</summary>
    public static PaperChange Read(SqliteDataReader reader) => new(reader.GetInt64(0), reader.GetString(1), PaperChangeKinds.FromText(reader.GetString(2)));
}

/// <summary>Row mapper of the <c>meta</c> key/value table.</summary>
internal static class MetaRows
{
    public const string EmbeddingModel = "embedding_model";
    public const string Seeded = "seeded";

    public const string SelectValue = "SELECT value FROM meta WHERE key = $k";

    public const string Upsert = "INSERT INTO meta (key, value) VALUES ($k, $v) ON CONFLICT (key) DO UPDATE SET value = excluded.value";

    public static void Bind(SqliteCommand command, string key, string? value = null)
    {
        command.Parameters.AddWithValue("$k", key);
        if (value is not null)
        {
            command.Parameters.AddWithValue("$v", value);
        }
    }
}
