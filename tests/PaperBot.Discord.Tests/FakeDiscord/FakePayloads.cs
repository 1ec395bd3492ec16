using System.Text.Json.Nodes;

namespace PaperBot.Discord.Tests.FakeDiscord;

/// <summary>The real Discord payloads copied from shared/discord/payloads (see Data/payloads/README.md).</summary>
internal static class FakePayloads
{
    public static string DataDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "FakeDiscord", "Data");

    public static string OpenApiPath => Path.Combine(DataDirectory, "discord-openapi-v10.json");

    /// <summary>A fresh, mutable copy of a payload file.</summary>
    public static JsonNode Load(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(DataDirectory, "payloads", name)))
        ?? throw new InvalidOperationException($"Payload {name} is empty.");

    public static JsonObject LoadObject(string name) => Load(name).AsObject();
}
