using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PaperBot.Core.Feeds;
using PaperBot.Core.Library;
using PaperBot.Core.Library.Sqlite;

namespace PaperBot.Host.Tests.Cli;

public sealed class DigestCommandsTests
{
    [Fact]
    public async Task DigestPreview_FreshLibraryWithTopics_ShowsTheMatchingSamplePaperFirstAsJson()
    {
        using var cli = new CliHarness();

        var result = await cli.RunAsync("digest", "preview", "--topics", "mixture of experts, sparse expert routing", "--max", "3", "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        var first = json.RootElement.GetProperty("entries")[0];
        Assert.Equal("A Survey on Mixture of Experts", first.GetProperty("title").GetString());
        Assert.StartsWith("closest to your topic “mixture of experts”", first.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("extractive", first.GetProperty("blurbMode").GetString());
        Assert.Equal("similarity", json.RootElement.GetProperty("rankedBy").GetString());
    }

    [Fact]
    public async Task DigestSubscribe_UnknownTimeZone_SaysWhatIsAcceptedAndStoresNothing()
    {
        using var cli = new CliHarness(seedSample: false);

        var result = await cli.RunAsync("digest", "subscribe", "--channel", "123", "--topics", "retrieval", "--timezone", "Mars/Olympus");
        var list = await cli.RunAsync("digest", "list");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: 'Mars/Olympus' is not a known time zone. Use an IANA name such as UTC, Europe/Berlin or America/New_York.", result.Error.Trim());
        Assert.StartsWith("No subscriptions.", list.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DigestSubscribe_ThenListAndUnsubscribe_ShowsTheScheduleAndRemovesIt()
    {
        using var cli = new CliHarness(seedSample: false);

        var subscribe = await cli.RunAsync("digest", "subscribe", "--channel", "123", "--topics", "mixture of experts, cs.LG", "--time", "07:30", "--timezone", "Europe/Berlin", "--max", "5");
        var list = await cli.RunAsync("digest", "list");
        var unsubscribe = await cli.RunAsync("digest", "unsubscribe", "--channel", "123");
        var again = await cli.RunAsync("digest", "unsubscribe", "--channel", "123");

        Assert.Equal(0, subscribe.ExitCode);
        Assert.StartsWith("123\tmixture of experts, cs.LG\t30 7 * * * Europe/Berlin\tmax 5\tnext ", list.Out, StringComparison.Ordinal);
        Assert.Equal("Stopped the digest of channel 123.", unsubscribe.Out.Trim());
        Assert.Equal(1, again.ExitCode);
    }

    [Fact]
    public async Task DigestRun_WithoutToken_ExplainsThatPostingNeedsTheToken()
    {
        using var cli = new CliHarness(seedSample: false);

        var result = await cli.RunAsync("digest", "run", "--channel", "123");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: Posting needs the bot token", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FeedsFetch_UrlSourceFromAFile_IngestsAndListShowsTheCursor()
    {
        using var cli = new CliHarness(seedSample: false);
        var feed = cli.WriteFile("feed.jsonl", """{"id": "2611.00001", "title": "Routing tokens to experts", "abstract": "We study sparse expert routing."}""");
        cli.Settings["Feeds:Sources:0:Name"] = "local";
        cli.Settings["Feeds:Sources:0:Kind"] = "Url";
        cli.Settings["Feeds:Sources:0:Url"] = feed;

        var fetch = await cli.RunAsync("feeds", "fetch");
        var again = await cli.RunAsync("feeds", "fetch", "--source", "local");
        var list = await cli.RunAsync("feeds", "list");

        Assert.Equal(0, fetch.ExitCode);
        Assert.Equal("local: 1 added, 0 updated, 0 unchanged (1 requests)", fetch.Out.Trim());
        Assert.Equal("local: not modified", again.Out.Trim());
        Assert.Contains("local", list.Out, StringComparison.Ordinal);
        Assert.Contains("Url", list.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FeedsList_AnotherProcessHoldsTheFeedLease_SaysWhichOneIsFetching()
    {
        using var cli = new CliHarness(seedSample: false);
        cli.Settings["Feeds:Sources:0:Name"] = "local";
        cli.Settings["Feeds:Sources:0:Kind"] = "Url";
        cli.Settings["Feeds:Sources:0:Url"] = cli.WriteFile("feed.jsonl", "");
        using (var library = new LibraryStore(Options.Create(new LibraryOptions { Path = cli.LibraryPath }), TimeProvider.System, NullLogger<LibraryStore>.Instance))
        {
            var now = DateTimeOffset.UtcNow;
            Assert.True(await new SqliteFeedLease(library).TryAcquireAsync("bot-host/4242/abcdef12", now, now.AddMinutes(10), null, CancellationToken.None));
        }

        var list = await cli.RunAsync("feeds", "list");

        Assert.Equal(0, list.ExitCode);
        Assert.Contains("bot-host/4242/abcdef12 is fetching feeds (lease until ", list.Out, StringComparison.Ordinal);
    }
}
