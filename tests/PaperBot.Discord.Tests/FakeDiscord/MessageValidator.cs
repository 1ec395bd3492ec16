using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace PaperBot.Discord.Tests.FakeDiscord;

/// <summary>
/// Checks what a client sends the way Discord does: the request schema from Discord's OpenAPI
/// description (JsonSchema.Net) plus the documented limits the schema does not express (6000 total,
/// non-empty message, allowed_mentions with no parsing — PaperBot's own rule).
/// </summary>
internal static class MessageValidator
{
    private const string DocumentUri = "https://discord.fake/openapi.json";
    private static readonly Lazy<(SchemaRegistry Registry, JsonElement Paths)> Spec = new(LoadSpec);
    private static readonly ConcurrentDictionary<string, JsonSchema> Schemas = new();

    /// <summary>Validates a request body against the OpenAPI request schema of <paramref name="pathTemplate"/>.</summary>
    public static IReadOnlyList<string> ValidateSchema(string method, string pathTemplate, JsonNode? body)
    {
        var schema = Schemas.GetOrAdd($"{method} {pathTemplate}", _ => BuildSchema(method, pathTemplate));
        using var doc = JsonDocument.Parse(body?.ToJsonString() ?? "null");
        var result = schema.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return [];
        }

        var errors = new List<string>();
        foreach (var detail in result.Details ?? [])
        {
            if (detail.Errors is null)
            {
                continue;
            }

            foreach (var (keyword, message) in detail.Errors)
            {
                errors.Add($"schema {pathTemplate}: {detail.InstanceLocation} {keyword}: {message}");
            }
        }

        return errors.Count > 0 ? errors.Distinct().Take(20).ToList() : [$"schema {pathTemplate}: invalid"];
    }

    /// <summary>The documented message limits (DOCS resources/message.mdx) and PaperBot's allowed_mentions rule.</summary>
    public static IReadOnlyList<string> ValidateMessageLimits(JsonNode? body, bool allowEmpty = false)
    {
        var errors = new List<string>();
        if (body is not JsonObject message)
        {
            return ["message body is not an object"];
        }

        var content = message["content"]?.GetValue<string>();
        if (content is { Length: > 2000 })
        {
            errors.Add($"content has {content.Length} characters (max 2000)");
        }

        var embeds = message["embeds"] as JsonArray ?? [];
        if (embeds.Count > 10)
        {
            errors.Add($"{embeds.Count} embeds (max 10)");
        }

        var total = 0;
        foreach (var embed in embeds.OfType<JsonObject>())
        {
            total += Check(errors, "embed.title", embed["title"], 256);
            total += Check(errors, "embed.description", embed["description"], 4096);
            total += Check(errors, "embed.footer.text", embed["footer"]?["text"], 2048);
            total += Check(errors, "embed.author.name", embed["author"]?["name"], 256);
            var fields = embed["fields"] as JsonArray ?? [];
            if (fields.Count > 25)
            {
                errors.Add($"{fields.Count} fields (max 25)");
            }

            foreach (var field in fields.OfType<JsonObject>())
            {
                var name = Check(errors, "field.name", field["name"], 256);
                var value = Check(errors, "field.value", field["value"], 1024);
                if (name == 0 || value == 0)
                {
                    errors.Add("empty field name or value");
                }

                total += name + value;
            }

            if (embed.Count == 0)
            {
                errors.Add("empty embed");
            }
        }

        if (total > 6000)
        {
            errors.Add($"embeds total {total} characters (max 6000)");
        }

        if (!allowEmpty && string.IsNullOrWhiteSpace(content) && embeds.Count == 0)
        {
            errors.Add("empty message (50006)");
        }

        if (message["allowed_mentions"] is not JsonObject mentions
            || mentions["parse"] is not JsonArray { Count: 0 }
            || mentions["users"] is JsonArray { Count: > 0 }
            || mentions["roles"] is JsonArray { Count: > 0 })
        {
            errors.Add("allowed_mentions must be present with \"parse\": [] (no mention parsing)");
        }

        foreach (var text in SurrogateCheckedStrings(message))
        {
            for (var i = 0; i < text.Length; i++)
            {
                if (char.IsHighSurrogate(text[i]) && (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1])))
                {
                    errors.Add("a string ends in the middle of a surrogate pair");
                    break;
                }
            }
        }

        return errors;
    }

    private static IEnumerable<string> SurrogateCheckedStrings(JsonNode node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Value is null ? [] : SurrogateCheckedStrings(p.Value)),
        JsonArray a => a.SelectMany(v => v is null ? [] : SurrogateCheckedStrings(v)),
        JsonValue v when v.TryGetValue<string>(out var s) => [s],
        _ => [],
    };

    private static int Check(List<string> errors, string what, JsonNode? node, int max)
    {
        var text = node?.GetValue<string>();
        if (text is null)
        {
            return 0;
        }

        // Discord trims before counting; counting untrimmed is the stricter check.
        if (text.Length > max)
        {
            errors.Add($"{what} has {text.Length} characters (max {max})");
        }

        return text.Trim().Length;
    }

    private static JsonSchema BuildSchema(string method, string pathTemplate)
    {
        var (registry, paths) = Spec.Value;
        var requestSchema = paths.GetProperty(pathTemplate).GetProperty(method.ToLowerInvariant())
            .GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        var text = requestSchema.GetRawText().Replace("\"#/components/", $"\"{DocumentUri}#/components/", StringComparison.Ordinal);
        var options = new BuildOptions { SchemaRegistry = registry, Dialect = Dialect.Draft202012 };
        return JsonSchema.FromText(text, options, new Uri($"https://discord.fake/request/{Guid.NewGuid():N}"));
    }

    private static (SchemaRegistry, JsonElement) LoadSpec()
    {
        var doc = JsonDocument.Parse(File.ReadAllText(FakePayloads.OpenApiPath));
        var registry = new SchemaRegistry();
        registry.Register(new Uri(DocumentUri), new JsonElementBaseDocument(doc.RootElement, new Uri(DocumentUri)));
        return (registry, doc.RootElement.GetProperty("paths"));
    }
}
