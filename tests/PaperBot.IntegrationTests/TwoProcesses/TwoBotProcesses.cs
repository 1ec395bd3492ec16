using System.Globalization;
using PaperBot.Discord.Tests.FakeDiscord;
using PaperBot.Store.Postgres.Tests;

namespace PaperBot.IntegrationTests.TwoProcesses;

/// <summary>
/// Two bot processes of the real app, shard 0 and shard 1 of 2, on one PostgreSQL database (a throwaway one) and one
/// library folder, against one fake Discord and one loopback arXiv API. Each process names itself in its REST
/// <c>User-Agent</c> (<c>Discord:UserAgentUrl</c>), so the fake's request log tells which process did what.
/// </summary>
internal sealed class TwoBotProcesses : IAsyncDisposable
{
    /// <summary>A guild whose events Discord sends to shard 0 of 2.</summary>
    public const string GuildOnShard0 = "290926798622163695";

    /// <summary>A guild whose events Discord sends to shard 1 of 2 (the documented payload's guild).</summary>
    public const string GuildOnShard1 = "290926798626357999";

    private static readonly TimeSpan CliTimeout = TimeSpan.FromMinutes(3);
    private readonly AppProcess?[] _bots = new AppProcess?[2];
    private readonly bool[] _killed = new bool[2];
    private readonly Dictionary<string, string?> _extra;

    private TwoBotProcesses(string folder, FakeDiscordServer discord, FakeArxivServer arxiv, TestDatabase database, Dictionary<string, string?> extra)
    {
        Folder = folder;
        Discord = discord;
        Arxiv = arxiv;
        Database = database;
        _extra = extra;
    }

    public string Folder { get; }

    public FakeDiscordServer Discord { get; }

    public FakeArxivServer Arxiv { get; }

    public TestDatabase Database { get; }

    /// <summary>Starts the servers; the bots start with <see cref="StartBotsAsync"/>.</summary>
    public static async Task<TwoBotProcesses> CreateAsync(Dictionary<string, string?>? extra = null)
    {
        var folder = Path.Combine(Path.GetTempPath(), "paperbot-two-processes", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var database = await PostgresServer.CreateDatabaseAsync();
        return new TwoBotProcesses(folder, await FakeDiscordServer.StartAsync(), await FakeArxivServer.StartAsync(), database, extra ?? []);
    }

    /// <summary>The configuration both processes (and the CLI verbs) share; with a shard, that bot's own.</summary>
    public Dictionary<string, string?> Settings(int? shard = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Library:Provider"] = "postgres",
            ["ConnectionStrings:Library"] = Database.ConnectionString,
            ["Library:Path"] = Path.Combine(Folder, "library.db"), // papers stay in the library file until they move to PostgreSQL
            ["Library:SeedSampleWhenEmpty"] = "false",
            ["Feeds:Enabled"] = "false", // no network in tests
            ["Arxiv:ApiBaseUrl"] = Arxiv.ApiBaseUrl,
            ["Digest:SchedulerPoll"] = "00:00:01",
        };
        if (shard is { } id)
        {
            settings["Discord:Token"] = Discord.Token;
            settings["Discord:ApiBaseUrl"] = Discord.ApiBaseUrl;
            settings["Discord:ShardCount"] = "2";
            settings["Discord:ShardId"] = id.ToString(CultureInfo.InvariantCulture);
            settings["Discord:UserAgentUrl"] = UserAgentUrl(id);
            settings["Discord:ReconnectDelay"] = "00:00:00.050";
            settings["Discord:MaxReconnectDelay"] = "00:00:00.400";
        }

        foreach (var (key, value) in _extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Runs a CLI verb with the shared configuration; its output.</summary>
    public Task<string> CliAsync(params string[] args) => AppProcess.RunAsync(Settings(), CliTimeout, args);

    /// <summary>Ingests <paramref name="count"/> papers on sparse mixture-of-experts routing with <c>paperbot ingest</c>.</summary>
    public async Task IngestMixtureOfExpertsPapersAsync(int count)
    {
        var file = Path.Combine(Folder, "papers.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Range(1, count).Select(i =>
            $$"""{"id": "2611.{{i:00000}}", "title": "Sparse mixture of experts routing study {{i}}", "authors": ["A. Author", "B. Author"], "abstract": "We propose routing method {{i}} for sparse mixture-of-experts language models, where a learned router sends each token to a few expert networks."}"""));
        await CliAsync("ingest", file);
    }

    /// <summary>Starts both bots at once and waits until each shard is READY on the fake gateway.</summary>
    public async Task StartBotsAsync()
    {
        for (var shard = 0; shard < 2; shard++)
        {
            _bots[shard] = AppProcess.Start($"bot shard {shard}", Settings(shard));
        }

        await WaitAsync(() => Live(0) && Live(1), "both shards READY", TimeSpan.FromMinutes(3));
    }

    public AppProcess Bot(int shard) => _bots[shard] ?? throw new InvalidOperationException($"Bot {shard} was not started.");

    /// <summary>The shard of the process that sent a request, from its User-Agent; null for neither.</summary>
    public static int? SenderOf(IReadOnlyDictionary<string, string> headers)
    {
        headers.TryGetValue("User-Agent", out var agent);
        for (var shard = 0; shard < 2; shard++)
        {
            if (agent?.Contains(UserAgentUrl(shard) + ",", StringComparison.Ordinal) == true)
            {
                return shard;
            }
        }

        return null;
    }

    /// <summary>The shard of the process that sent <paramref name="request"/>.</summary>
    public static int? SenderOf(RecordedRequest request) => SenderOf(request.Headers);

    /// <summary>Waits until <paramref name="condition"/> holds; on a timeout the message carries both bots' latest output.</summary>
    public async Task WaitAsync(Func<bool> condition, string what, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for: {what}\n{Logs()}");
            }

            if (Enumerable.Range(0, 2).FirstOrDefault(s => _bots[s] is { HasExited: true } && !_killed[s], -1) is var exited and >= 0)
            {
                throw new InvalidOperationException($"Bot {exited} exited while waiting for: {what}\n{Logs()}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Kills the bot of <paramref name="shard"/> with SIGKILL.</summary>
    public void Kill(int shard)
    {
        _killed[shard] = true;
        Bot(shard).Kill();
    }

    public string Logs() => string.Join('\n', _bots.OfType<AppProcess>().Select(b => b.Tail()));

    public async ValueTask DisposeAsync()
    {
        foreach (var bot in _bots)
        {
            bot?.Dispose();
        }

        await Discord.DisposeAsync();
        await Arxiv.DisposeAsync();
        await Database.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // The OS cleans temp folders.
        }
    }

    private static string UserAgentUrl(int shard) => $"https://paperbot.test/shard-{shard}";

    private bool Live(int shard) => Discord.Gateway.Connections.Any(c => !c.Ended && c.Session?.ShardId == shard && c.Session.ShardCount == 2);
}
