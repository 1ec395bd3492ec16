using System.Diagnostics;
using PaperBot.AI.Tests.Fakes;

namespace PaperBot.Host.Tests.Cli;

/// <summary>
/// What a user reads when something is wrong: one line, no stack trace. The model error cases run the real
/// <c>paperbot</c> executable as a process, so that everything the loggers write to standard error is seen too,
/// with the real Semantic Kernel connector against the loopback fake model server.
/// </summary>
public sealed class ErrorOutputTests
{
    private const string RejectedKey = "error: The model endpoint rejected the API key (HTTP 401). Check Ai:ApiKey.";

    [Fact]
    public async Task AnyVerb_MalformedValue_OneConfigurationErrorLineAndExitCode3()
    {
        using var cli = new CliHarness(seedSample: false);
        cli.Settings["Embeddings:MaxTokens"] = "abc";

        var result = await cli.RunAsync("stats");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("Configuration error: Embeddings:MaxTokens must be a whole number (got 'abc').", result.Error.TrimEnd());
    }

    [Fact]
    public async Task Process_MalformedEnvironmentValue_OneLineOnStandardErrorAndExitCode3()
    {
        using var cli = new CliHarness(seedSample: false);

        var result = await RunProcessAsync(cli, "", new() { ["Embeddings__MaxTokens"] = "abc" }, "stats");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("Configuration error: Embeddings:MaxTokens must be a whole number (got 'abc').", result.Error.TrimEnd());
    }

    [Fact]
    public async Task Process_SummarizeWithWrongApiKey_OneErrorLineAndNoStackTrace()
    {
        await using var server = await FakeModelServer.StartAsync();
        server.Always = (context, _) => FakeModelServer.StatusAsync(context, 401);
        using var cli = await LibraryWithOnePaperAsync();

        var result = await RunProcessAsync(cli, "", ModelSettings(server), "summarize", "2401.00001");

        Assert.True(server.RequestCount > 0, "the model endpoint was never called");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(RejectedKey, result.Error.TrimEnd());
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task Process_ConsoleSummarizeWithWrongApiKey_OneErrorLineAndNothingOnStandardError()
    {
        await using var server = await FakeModelServer.StartAsync();
        server.Always = (context, _) => FakeModelServer.StatusAsync(context, 401);
        using var cli = await LibraryWithOnePaperAsync();

        var result = await RunProcessAsync(cli, "/summarize paper:2401.00001\n/quit\n", ModelSettings(server));

        Assert.True(server.RequestCount > 0, "the model endpoint was never called");
        Assert.Equal(0, result.ExitCode);
        Assert.Single(result.Out.Split('\n'), line => line.Contains("error:", StringComparison.Ordinal));
        Assert.Contains(RejectedKey, result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Out, StringComparison.Ordinal);
        Assert.Equal("", result.Error);
    }

    private static Dictionary<string, string?> ModelSettings(FakeModelServer server) => new()
    {
        ["Ai__Endpoint"] = server.Endpoint,
        ["Ai__Model"] = "fake-model",
        ["Ai__ApiKey"] = "wrong-key",
    };

    private static async Task<CliHarness> LibraryWithOnePaperAsync()
    {
        var cli = new CliHarness(seedSample: false);
        var papers = cli.WriteFile("paper.jsonl", """{"id": "2401.00001", "title": "Sparse retrieval for tiny models", "abstract": "We index passages with learned sparse vectors so that tiny models can answer open questions."}""");
        var ingest = await cli.RunAsync("ingest", papers);
        Assert.Equal(0, ingest.ExitCode);
        return cli;
    }

    // paperbot.dll as built next to the tests, with the harness's library and no Discord token. It runs on the
    // tests' runtime configuration: this project also references ASP.NET Core (for the fake server), so the
    // Microsoft.Extensions assemblies come from that shared framework rather than from this folder.
    private static async Task<CliResult> RunProcessAsync(CliHarness cli, string stdin, Dictionary<string, string?> environment, params string[] args)
    {
        var folder = AppContext.BaseDirectory;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = cli.Folder,
        };
        foreach (var arg in (string[])["exec", "--runtimeconfig", Path.Combine(folder, "PaperBot.Host.Tests.runtimeconfig.json"),
            "--depsfile", Path.Combine(folder, "PaperBot.Host.Tests.deps.json"), Path.Combine(folder, "paperbot.dll"), .. args])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["Library__Path"] = cli.LibraryPath;
        start.Environment["Library__SeedSampleWhenEmpty"] = "false";
        start.Environment["Discord__Token"] = "";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await output, await error);
    }
}
