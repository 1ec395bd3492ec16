using Microsoft.SemanticKernel;
using PaperBot.AI.Prompts;

namespace PaperBot.AI.Tests.Prompts;

public sealed class PromptLibraryTests : IDisposable
{
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "paperbot-prompts-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Load_ShippedPrompts_EachRendersWithExactlyTheVariablesTheAssistantPasses()
    {
        var library = PromptLibrary.Load("prompts");
        var kernel = new Kernel();

        foreach (var spec in PromptCatalog.All)
        {
            var prompt = library[spec];
            Assert.False(string.IsNullOrWhiteSpace(prompt.Config.Description), spec.Key);
            Assert.Equal(spec.Variables.Order(), prompt.Config.InputVariables.Select(v => v.Name).Order());
            var arguments = new KernelArguments();
            foreach (var variable in spec.Variables)
            {
                arguments[variable] = $"VALUE-OF-{variable}";
            }

            var rendered = await new KernelPromptTemplateFactory().Create(prompt.Config).RenderAsync(kernel, arguments);

            foreach (var variable in spec.Variables)
            {
                Assert.Contains($"VALUE-OF-{variable}", rendered, StringComparison.Ordinal);
            }

            Assert.DoesNotContain("{{", rendered, StringComparison.Ordinal);
            Assert.Contains("<message role=\"system\">", rendered, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Load_ShippedPrompts_PaperTextPromptsDeclareItUntrusted()
    {
        var library = PromptLibrary.Load("prompts");

        foreach (var spec in new[] { PromptCatalog.Answer, PromptCatalog.Summarize, PromptCatalog.Compare })
        {
            Assert.Contains("untrusted", library[spec].Config.Template, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Load_SameFiles_SameVersion_ChangedFile_NewVersion()
    {
        CopyPrompts();
        var before = PromptLibrary.Load(_temp)[PromptCatalog.Summarize].Version;
        Assert.Equal(before, PromptLibrary.Load(_temp)[PromptCatalog.Summarize].Version);

        File.AppendAllText(Path.Combine(_temp, "Papers", "Summarize", "skprompt.txt"), "\n");

        Assert.NotEqual(before, PromptLibrary.Load(_temp)[PromptCatalog.Summarize].Version);
    }

    [Fact]
    public void Load_MissingTemplate_FailsNamingTheFile()
    {
        CopyPrompts();
        var path = Path.Combine(_temp, "Research", "Answer", "skprompt.txt");
        File.Delete(path);

        var error = Assert.Throws<PromptLoadException>(() => PromptLibrary.Load(_temp));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MalformedConfig_FailsNamingTheFile()
    {
        CopyPrompts();
        var path = Path.Combine(_temp, "Papers", "Compare", "config.json");
        File.WriteAllText(path, "{ \"description\": \"x\", \"input_variables\": [ ");

        var error = Assert.Throws<PromptLoadException>(() => PromptLibrary.Load(_temp));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("malformed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TemplateUsesUndeclaredVariable_FailsNamingTheFile()
    {
        CopyPrompts();
        var path = Path.Combine(_temp, "Research", "RewriteQuestion", "skprompt.txt");
        File.AppendAllText(path, "{{$language}}");

        var error = Assert.Throws<PromptLoadException>(() => PromptLibrary.Load(_temp));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("language", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ConfigDeclaresOtherVariables_Fails()
    {
        CopyPrompts();
        var path = Path.Combine(_temp, "Papers", "Summarize", "config.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"level\"", "\"depth\"", StringComparison.Ordinal));

        var error = Assert.Throws<PromptLoadException>(() => PromptLibrary.Load(_temp));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("depth", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_temp))
        {
            Directory.Delete(_temp, recursive: true);
        }
    }

    private void CopyPrompts()
    {
        var source = Path.Combine(AppContext.BaseDirectory, "prompts");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(_temp, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
