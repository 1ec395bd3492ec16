using System.Net;
using System.Net.Sockets;

namespace PaperBot.Host.Tests.Cli;

/// <summary>Library:Provider is checked before any verb runs, and a bad one costs the user one line and exit code 3.</summary>
public sealed class StoreProviderTests
{
    [Fact]
    public async Task AnyVerb_UnknownProvider_OneConfigurationErrorLine()
    {
        using var cli = new CliHarness(seedSample: false);
        cli.Settings["Library:Provider"] = "mysql";

        var result = await cli.RunAsync("stats");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("Configuration error: Library:Provider must be sqlite or postgres (got 'mysql').", result.Error.TrimEnd());
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task AnyVerb_PostgresWithoutConnectionString_SaysWhichKeyToSet()
    {
        using var cli = new CliHarness(seedSample: false);
        cli.Settings["Library:Provider"] = "postgres";

        var result = await cli.RunAsync("stats");

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("Configuration error: Library:Provider is postgres but ConnectionStrings:Library is not set.", result.Error);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task AnyVerb_PostgresServerUnreachable_OneLineNamingTheServerAndNoPassword()
    {
        using var cli = new CliHarness(seedSample: false);
        var port = FreePort();
        cli.Settings["Library:Provider"] = "postgres";
        cli.Settings["ConnectionStrings:Library"] = $"Host=127.0.0.1;Port={port};Username=paperbot;Password=secret-2718;Database=paperbot;Timeout=5";

        var result = await cli.RunAsync("stats");

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith($"Configuration error: Cannot reach PostgreSQL at 127.0.0.1:{port}:", result.Error);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.DoesNotContain("2718", result.Error);
    }

    [Fact]
    public async Task AnyVerb_SqliteProviderNamedInAnyCase_RunsOnTheLibraryFile()
    {
        using var cli = new CliHarness(seedSample: false);
        cli.Settings["Library:Provider"] = "SQLite";

        var result = await cli.RunAsync("stats");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
