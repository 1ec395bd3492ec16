namespace PaperBot.Host.Tests.Cli;

/// <summary>Runs the real <c>paperbot</c> application in-process with captured streams and its own library file.</summary>
internal sealed class CliHarness : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "paperbot-cli-tests", Guid.NewGuid().ToString("N"));

    public CliHarness(bool seedSample = true)
    {
        Directory.CreateDirectory(_folder);
        LibraryPath = Path.Combine(_folder, "library.db");
        Settings = new Dictionary<string, string?>
        {
            ["Library:Path"] = LibraryPath,
            ["Library:SeedSampleWhenEmpty"] = seedSample ? "true" : "false",
            ["Discord:Token"] = "",
        };
    }

    public string LibraryPath { get; }

    public Dictionary<string, string?> Settings { get; }

    public string Folder => _folder;

    public async Task<CliResult> RunWithInputAsync(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var exitCode = await PaperBotApp.RunAsync(args, new AppIo(new StringReader(stdin), output, error, IsInteractive: false, Settings), timeout.Token);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    public Task<CliResult> RunAsync(params string[] args) => RunWithInputAsync("", args);

    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the OS cleans the temp folder.
        }
    }
}

internal sealed record CliResult(int ExitCode, string Out, string Error);
