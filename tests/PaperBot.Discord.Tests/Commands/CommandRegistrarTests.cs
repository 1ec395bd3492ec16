using PaperBot.Core.Commands;
using PaperBot.Discord.Tests.FakeDiscord;
using PaperBot.Discord.Tests.Support;

namespace PaperBot.Discord.Tests.Commands;

public sealed class CommandRegistrarTests : IAsyncLifetime
{
    private FakeDiscordServer _discord = null!;

    public async Task InitializeAsync() => _discord = await FakeDiscordServer.StartAsync();

    public async Task DisposeAsync() => await _discord.DisposeAsync();

    private async Task RunBotUntilReadyAsync(Action<Dictionary<string, string?>>? configure = null)
    {
        var identifies = _discord.Gateway.IdentifyCount;
        await using var bot = await BotHarness.StartAsync(_discord, configure);
        await bot.WaitAsync(() => _discord.Gateway.IdentifyCount > identifies && _discord.Gateway.Live is not null, "this bot's READY");
    }

    [Fact]
    public async Task Start_WithGuildId_BulkOverwritesTheCatalogToThatGuild()
    {
        await RunBotUntilReadyAsync();

        var put = _discord.Requests.Single(r => r.Method == "PUT");
        Assert.Equal($"/applications/{_discord.ApplicationId}/guilds/290926798626357999/commands", put.Path);
        var registered = _discord.RegisteredCommands("290926798626357999")!;
        Assert.Equal(SlashCommandCatalog.All.Select(c => c.Name), registered.Select(c => c!["name"]!.GetValue<string>()));
        var summarize = registered.Single(c => c!["name"]!.GetValue<string>() == "summarize")!;
        Assert.True(summarize["options"]![0]!["autocomplete"]!.GetValue<bool>());
        Assert.Equal(3, summarize["options"]![1]!["choices"]!.AsArray().Count);
        Assert.Empty(_discord.Violations); // schema + name/limit/ordering rules
    }

    [Fact]
    public async Task Restart_WithUnchangedCommands_SkipsThePut()
    {
        await RunBotUntilReadyAsync();
        await RunBotUntilReadyAsync();

        Assert.Single(_discord.Requests, r => r.Method == "PUT");
        Assert.Equal(2, _discord.Requests.Count(r => r.Method == "GET" && r.Template.EndsWith("/commands", StringComparison.Ordinal)));
        Assert.Equal(SlashCommandCatalog.All.Count, _discord.CommandCreatesToday);
    }

    [Fact]
    public async Task Start_WithoutGuildId_RegistersGlobally()
    {
        await RunBotUntilReadyAsync(s => s["Discord:GuildId"] = null);

        Assert.Equal($"/applications/{_discord.ApplicationId}/commands", _discord.Requests.Single(r => r.Method == "PUT").Path);
        Assert.NotNull(_discord.RegisteredCommands());
    }
}
