using System.Text.Json;

namespace PaperBot.Core.Ingestion;

/// <summary>
/// Reads JSON Lines: one object a line with <c>id</c> or <c>_id</c>, <c>title</c>, and <c>abstract</c> or <c>text</c>.
/// The given id becomes the paper id; <c>authors</c>, <c>published</c>/<c>date</c>, <c>categories</c>, <c>url</c> and
/// <c>full_text</c> are kept where present. A line that is not valid JSON is skipped with its line number.
/// </summary>
internal static class JsonlParser
{
    public static ParsedInput Parse(string text, string name)
    {
        var records = new List<IngestRecord>();
        var skipped = new List<SkippedRecord>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var position = $"line {i + 1}";
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException ex)
            {
                skipped.Add(new SkippedRecord(position, $"invalid JSON at byte {ex.BytePositionInLine + 1}"));
                continue;
            }

            using (document)
            {
                var o = document.RootElement;
                if (o.ValueKind != JsonValueKind.Object)
                {
                    skipped.Add(new SkippedRecord(position, "not a JSON object"));
                    continue;
                }

                records.Add(new IngestRecord(
                    position,
                    Scalar(o, "id") ?? Scalar(o, "_id"),
                    0,
                    Scalar(o, "title"),
                    StringList(o, "authors", splitOn: [',', ';']),
                    Scalar(o, "abstract") ?? Scalar(o, "text") ?? Scalar(o, "summary"),
                    HfDailyParser.ParseDate(Scalar(o, "published") ?? Scalar(o, "date") ?? Scalar(o, "publishedAt")),
                    StringList(o, "categories", splitOn: [' ', ',']),
                    Scalar(o, "url") ?? Scalar(o, "source_url") ?? Scalar(o, "link"),
                    Scalar(o, "full_text") ?? Scalar(o, "fullText")));
            }
        }

        if (records.Count == 0 && skipped.Count > 0 && skipped.Count == lines.Count(l => l.Trim().Length > 0))
        {
            throw new IngestException($"{name}: no line is a JSON object (first problem: {skipped[0].Position}: {skipped[0].Reason}).");
        }

        return new ParsedInput(IngestFormat.Jsonl, records, skipped);
    }

    private static string? Scalar(JsonElement o, string property) =>
        o.TryGetProperty(property, out var v)
            ? v.ValueKind switch
            {
                JsonValueKind.String => v.GetString(),
                JsonValueKind.Number => v.GetRawText(),
                _ => null,
            }
            : null;

    private static List<string> StringList(JsonElement o, string property, char[] splitOn)
    {
        if (!o.TryGetProperty(property, out var v))
        {
            return [];
        }

        return v.ValueKind switch
        {
            JsonValueKind.Array => [.. v.EnumerateArray()
                .Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() : HfDailyParser.GetString(x, "name"))
                .OfType<string>().Select(s => s.Trim()).Where(s => s.Length > 0)],
            JsonValueKind.String => [.. (v.GetString() ?? "").Split(splitOn, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
            _ => [],
        };
    }
}
