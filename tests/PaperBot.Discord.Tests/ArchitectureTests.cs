namespace PaperBot.Discord.Tests;

public sealed class ArchitectureTests
{
    private static string RepoFile(params string[] parts)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PaperBot.sln")))
        {
            dir = dir.Parent;
        }

        return Path.Combine([dir!.FullName, .. parts]);
    }

    [Fact]
    public void DiscordProject_ReferencesCoreOnly_NeverAiOrSemanticKernel()
    {
        var project = File.ReadAllText(RepoFile("src", "PaperBot.Discord", "PaperBot.Discord.csproj"));
        Assert.Contains("PaperBot.Core.csproj", project);
        Assert.DoesNotContain("PaperBot.AI", project);
        Assert.DoesNotContain("SemanticKernel", project);
        var sources = Directory.GetFiles(RepoFile("src", "PaperBot.Discord"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"));
        Assert.All(sources, f => Assert.DoesNotContain("SemanticKernel", File.ReadAllText(f)));
    }

    [Fact]
    public void AppSettings_HoldNoDiscordToken()
    {
        using var settings = System.Text.Json.JsonDocument.Parse(File.ReadAllText(RepoFile("appsettings.json")));

        Assert.DoesNotContain(PropertyNames(settings.RootElement), name =>
            name.Equals("Token", StringComparison.OrdinalIgnoreCase) || name.Equals("PublicKey", StringComparison.OrdinalIgnoreCase));
    }

    private static IEnumerable<string> PropertyNames(System.Text.Json.JsonElement element) =>
        element.ValueKind == System.Text.Json.JsonValueKind.Object
            ? element.EnumerateObject().SelectMany(p => PropertyNames(p.Value).Prepend(p.Name))
            : [];
}
