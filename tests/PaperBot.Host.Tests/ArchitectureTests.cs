using System.Xml.Linq;

namespace PaperBot.Host.Tests;

/// <summary>The reference rule from the house style: AI → Core, Discord → Core, Host → all; Core references neither.</summary>
public sealed class ArchitectureTests
{
    [Theory]
    [InlineData("PaperBot.Core", new string[0])]
    [InlineData("PaperBot.AI", new[] { "PaperBot.Core" })]
    [InlineData("PaperBot.Discord", new[] { "PaperBot.Core" })]
    [InlineData("PaperBot.Store.Postgres", new[] { "PaperBot.Core" })]
    [InlineData("PaperBot.Host", new[] { "PaperBot.AI", "PaperBot.Core", "PaperBot.Discord", "PaperBot.Store.Postgres" })]
    public void ProjectReferences_FollowTheLayering(string project, string[] allowed)
    {
        var references = ProjectReferences(project);

        Assert.Equal(allowed.Order(), references.Order());
    }

    [Fact]
    public void DiscordAndCore_DoNotReferenceSemanticKernel()
    {
        foreach (var project in new[] { "PaperBot.Core", "PaperBot.Discord" })
        {
            var packages = Csproj(project).Descendants("PackageReference").Select(p => (string?)p.Attribute("Include") ?? "");
            Assert.DoesNotContain(packages, p => p.StartsWith("Microsoft.SemanticKernel", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Core_HasNoPostgreSqlDependency()
    {
        var packages = Csproj("PaperBot.Core").Descendants("PackageReference").Select(p => (string?)p.Attribute("Include") ?? "");

        Assert.DoesNotContain(packages, p => p.StartsWith("Npgsql", StringComparison.OrdinalIgnoreCase));
    }

    private static List<string> ProjectReferences(string project) =>
        [.. Csproj(project).Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(((string?)r.Attribute("Include") ?? "").Replace('\\', '/')))];

    private static XDocument Csproj(string project)
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "PaperBot.sln")))
        {
            folder = folder.Parent;
        }

        Assert.NotNull(folder);
        return XDocument.Load(Path.Combine(folder.FullName, "src", project, project + ".csproj"));
    }
}
