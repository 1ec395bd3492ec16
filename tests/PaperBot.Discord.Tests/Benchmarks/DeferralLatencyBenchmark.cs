using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using PaperBot.Discord.Tests.FakeDiscord;
using PaperBot.Discord.Tests.Support;
using Xunit.Abstractions;

namespace PaperBot.Discord.Tests.Benchmarks;

/// <summary>Runs only when <c>PAPERBOT_BENCH=1</c>: a measurement, not a test (shared machines are noisy).</summary>
public sealed class BenchmarkFactAttribute : FactAttribute
{
    public BenchmarkFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("PAPERBOT_BENCH") != "1")
        {
            Skip = "Benchmark: run with PAPERBOT_BENCH=1 (see docs/readme-discord.md).";
        }
    }
}

/// <summary>
/// Latency from the fake gateway sending INTERACTION_CREATE to the deferred callback (type 5) arriving at the
/// fake's REST endpoint, through the real gateway client, dispatcher and REST client on loopback.
/// </summary>
public sealed class DeferralLatencyBenchmark(ITestOutputHelper output)
{
    [BenchmarkFact]
    public async Task GatewayFrameToDeferredCallback()
    {
        await using var discord = await FakeDiscordServer.StartAsync();
        await using var bot = await BotHarness.StartReadyAsync(discord, s => s["Logging:LogLevel:Default"] = "Warning");
        var options = new JsonArray(new JsonObject { ["name"] = "question", ["type"] = 3, ["value"] = "latency?" });

        async Task<double> OneAsync()
        {
            var interaction = await discord.DispatchCommandAsync("ask", options.DeepClone().AsArray());
            await FakeDiscordServer.WaitUntilAsync(() => interaction.CallbackTimestamp != 0, "deferral", TimeSpan.FromSeconds(10));
            return Stopwatch.GetElapsedTime(interaction.SentTimestamp, interaction.CallbackTimestamp).TotalMilliseconds;
        }

        for (var i = 0; i < 100; i++)
        {
            await OneAsync(); // warm-up: JIT, connection pool
        }

        var sequential = new List<double>();
        for (var i = 0; i < 1000; i++)
        {
            sequential.Add(await OneAsync());
        }

        var burst = (await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => OneAsync()))).ToList();
        Report("sequential, 1000 interactions", sequential);
        Report("burst, 200 concurrent interactions", burst);
        Assert.Empty(discord.Violations);
    }

    private void Report(string name, List<double> samples)
    {
        samples.Sort();
        double P(double q) => samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(q * samples.Count) - 1)];
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{name}: p50 {P(0.50):0.00} ms, p90 {P(0.90):0.00} ms, p99 {P(0.99):0.00} ms, max {samples[^1]:0.00} ms");
        output.WriteLine(line);
        File.AppendAllText(Path.Combine(Path.GetTempPath(), "paperbot-deferral-benchmark.txt"), line + Environment.NewLine);
    }
}
