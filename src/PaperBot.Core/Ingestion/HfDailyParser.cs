using System.Globalization;
using System.Text.Json;

namespace PaperBot.Core.Ingestion;

/// <summary>Reads the Hugging Face daily papers API JSON: an array of <c>{ "paper": { id, title, summary, authors, publishedAt } }</c>.</summary>
internal static class HfDailyParser
{
    public static ParsedInput Parse(string text, string name)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new IngestException($"{name}: line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}: invalid JSON ({FirstSentence(ex.Message)})", ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new IngestException($"{name}: expected a JSON array of daily papers, found {document.RootElement.ValueKind}.");
            }

            var records = new List<IngestRecord>();
            var skipped = new List<SkippedRecord>();
            var index = 0;
            foreach (var entry in document.RootElement.EnumerateArray())
            {
                index++;
                var position = $"record {index}";
                var paper = entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("paper", out var p) ? p : entry;
                if (paper.ValueKind != JsonValueKind.Object)
                {
                    skipped.Add(new SkippedRecord(position, "not an object"));
                    continue;
                }

                var id = GetString(paper, "id");
                var authors = paper.TryGetProperty("authors", out var a) && a.ValueKind == JsonValueKind.Array
                    ? a.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Object ? GetString(x, "name") : null)
                        .OfType<string>().Where(s => s.Length > 0).ToList()
                    : [];
                var published = ParseDate(GetString(paper, "publishedAt"));
                records.Add(new IngestRecord(
                    position,
                    id,
                    0,
                    GetString(paper, "title") ?? GetString(entry, "title"),
                    authors,
                    GetString(paper, "summary") ?? GetString(entry, "summary"),
                    published,
                    [],
                    id is null ? null : $"https://huggingface.co/papers/{id}",
                    null));
            }

            return new ParsedInput(IngestFormat.HfDaily, records, skipped);
        }
    }

    internal static string? GetString(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    internal static DateOnly? ParseDate(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant)
            ? DateOnly.FromDateTime(instant.UtcDateTime)
            : null;

    internal static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message.TrimEnd('.') : message[..end];
    }
}
