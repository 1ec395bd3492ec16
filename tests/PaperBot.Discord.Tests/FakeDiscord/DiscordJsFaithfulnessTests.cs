using System.Diagnostics;
using System.Text.Json.Nodes;

namespace PaperBot.Discord.Tests.FakeDiscord;

/// <summary>A fact that is skipped, with the reason, when <c>node</c> is not on the PATH.</summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        if (DiscordJsFaithfulnessTests.FindOnPath("node") is null)
        {
            Skip = "node is not installed: the discord.js faithfulness check needs Node 20+ (tools/discordjs-check).";
        }
    }
}

/// <summary>
/// discord.js's own clients against the fake (tools/discordjs-check/check.mjs): shows the fake's REST
/// rate limits and gateway identify/READY/op 7/resume are what a real client written by others expects.
/// </summary>
public sealed class DiscordJsFaithfulnessTests
{
    private const string ChannelMessages = "/channels/{channel_id}/messages";

    internal static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static string ToolDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PaperBot.sln")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir!.FullName, "tools", "discordjs-check");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string arguments, string directory, IDictionary<string, string> environment, Func<string, Task>? onLine, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        var errors = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            while (await process.StandardOutput.ReadLineAsync(cancel.Token) is { } line)
            {
                output.AppendLine(line);
                if (onLine is not null)
                {
                    await onLine(line);
                }
            }

            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, output + "\nTIMEOUT\n" + await errors);
        }

        return (process.ExitCode, output + await errors);
    }

    [NodeFact]
    public async Task DiscordJsClients_ConnectResumeAndHonourRateLimits()
    {
        var tool = ToolDirectory();
        if (!Directory.Exists(Path.Combine(tool, "node_modules", "@discordjs", "ws")))
        {
            var npm = FindOnPath("npm") ?? throw new InvalidOperationException("node is installed but npm is not");
            var (code, log) = await RunAsync(npm, "ci --no-audit --no-fund", tool, new Dictionary<string, string>(), null, TimeSpan.FromMinutes(4));
            Assert.True(code == 0, "npm ci failed in tools/discordjs-check:\n" + log);
        }

        await using var discord = await FakeDiscordServer.StartAsync();
        discord.RateLimits.Define(new BucketRule("msgs", 2, TimeSpan.FromSeconds(1)), ChannelMessages);
        discord.RateLimits.Enqueue429("rest-429-user-scope.json", "POST", ChannelMessages, TimeSpan.FromMilliseconds(700));
        var environment = new Dictionary<string, string>
        {
            ["FAKE_API"] = discord.ApiBaseUrl[..^"/v10".Length],
            ["FAKE_TOKEN"] = discord.Token,
            ["CHANNEL_ID"] = "645027906669510667",
        };

        var (exitCode, output) = await RunAsync(FindOnPath("node")!, "check.mjs", tool, environment, async line =>
        {
            if (line.Contains("\"event\":\"ready\"", StringComparison.Ordinal))
            {
                await discord.Gateway.Live!.SendAsync(FakePayloads.Load("gateway-reconnect.json"));
            }
        }, TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 0, "check.mjs failed:\n" + output);
        var events = output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonNode.Parse(l)!["event"]!.GetValue<string>()).ToList();
        Assert.Contains("rateLimited", events);
        Assert.Contains("rest-done", events);
        Assert.True(events.IndexOf("resumed") > events.IndexOf("ready") && events.IndexOf("ready") >= 0, "expected ready, then resumed:\n" + output);

        // REST: the scripted 429 was waited out, and no request went into an exhausted bucket.
        var posts = discord.Requests.Where(r => r.Template == ChannelMessages).ToList();
        Assert.Equal([429, 200, 200, 200, 200], posts.Select(r => r.Status));
        Assert.True(posts[1].At - posts[0].At >= TimeSpan.FromMilliseconds(650), "discord.js retried before retry_after");
        Assert.DoesNotContain(discord.Violations, v => v.Contains("exhausted") || v.Contains("User-Agent"));

        // Gateway: one identify with a jittered heartbeat, then a resume on the resume URL with the session and sequence.
        var connections = discord.Gateway.Connections;
        Assert.Equal(1, discord.Gateway.IdentifyCount);
        Assert.Equal(1, discord.Gateway.ResumeCount);
        var resume = connections[1].Ops(6).Single()["d"]!;
        Assert.Equal(discord.ResumePort, connections[1].Port);
        Assert.Equal(connections[0].Session!.Id, resume["session_id"]!.GetValue<string>());
        Assert.Equal(1, resume["seq"]!.GetValue<long>());
    }
}
