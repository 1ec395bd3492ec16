using System.Text.Json;
using PaperBot.AI.Extractive;
using PaperBot.Core.Assistant;
using PaperBot.Core.Library;

namespace PaperBot.AI.Assistant;

/// <summary>Validates the model's comparison JSON: every paper asked, every aspect a non-empty string.</summary>
internal static class ComparisonParser
{
    public static bool TryParse(string reply, IReadOnlyList<Paper> papers, out IReadOnlyList<ComparisonRow> rows, out string keyDifferences, out string problem)
    {
        rows = [];
        keyDifferences = "";
        var start = reply.IndexOf('{', StringComparison.Ordinal);
        var end = reply.LastIndexOf('}');
        if (start < 0 || end <= start)
        {
            problem = "no JSON object in the reply";
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(reply[start..(end + 1)]);
            var root = document.RootElement;
            if (!root.TryGetProperty("papers", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                problem = "no \"papers\" array";
                return false;
            }

            var entries = list.EnumerateArray().ToList();
            var aspects = ExtractiveComposer.Aspects.Select(a => a.Aspect).ToList();
            var cells = aspects.Select(_ => new List<string>()).ToList();
            foreach (var paper in papers)
            {
                var entry = entries.FirstOrDefault(e => e.ValueKind == JsonValueKind.Object
                    && e.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                    && string.Equals(id.GetString()?.Trim(), paper.Id, StringComparison.OrdinalIgnoreCase));
                if (entry.ValueKind != JsonValueKind.Object)
                {
                    problem = $"paper {paper.Id} is missing";
                    return false;
                }

                for (var a = 0; a < aspects.Count; a++)
                {
                    var name = aspects[a].ToLowerInvariant();
                    if (!entry.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
                    {
                        problem = $"\"{name}\" of paper {paper.Id} is missing or empty";
                        return false;
                    }

                    cells[a].Add(value.GetString()!.Trim());
                }
            }

            if (!root.TryGetProperty("key_differences", out var differences) || differences.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(differences.GetString()))
            {
                problem = "\"key_differences\" is missing or empty";
                return false;
            }

            rows = aspects.Select((aspect, a) => new ComparisonRow(aspect, cells[a])).ToList();
            keyDifferences = differences.GetString()!.Trim();
            problem = "";
            return true;
        }
        catch (JsonException e)
        {
            problem = $"invalid JSON ({e.Message})";
            return false;
        }
    }
}
