using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaperBot.AI;
using PaperBot.Core;
using PaperBot.Discord;
using PaperBot.Host.Cli;
using PaperBot.Host.Operations;
using PaperBot.Store.Postgres;

namespace PaperBot.Host;

/// <summary>Builds the host and hands over to the bot, the console or a CLI verb.</summary>
internal static class PaperBotApp
{
    public static Task<int> RunAsync(string[] args) => RunAsync(args, AppIo.FromConsole(), CancellationToken.None);

    public static async Task<int> RunAsync(string[] args, AppIo io, CancellationToken cancellationToken)
    {
        IHost host;
        try
        {
            host = CreateBuilder(io, noVerb: args.Length == 0).Build();
            // Options are validated here for every verb, not only when the host starts.
            host.Services.GetRequiredService<IStartupValidator>().Validate();
        }
        catch (OptionsValidationException ex)
        {
            await io.Error.WriteLineAsync("Configuration error: " + string.Join(" ", ex.Failures));
            return ExitCodes.Configuration;
        }
        catch (InvalidOperationException ex) when (ConfigurationErrors.IsBindingFailure(ex))
        {
            // A value of the wrong type (Embeddings__MaxTokens=abc) fails while binding, before validation runs.
            await io.Error.WriteLineAsync("Configuration error: " + ConfigurationErrors.Describe(ex));
            return ExitCodes.Configuration;
        }

        try
        {
            // With Library:Provider=postgres: server unreachable, login refused or schema too new stop here, in one line.
            await host.Services.EnsurePostgresStoresReadyAsync(cancellationToken);
        }
        catch (UserFacingException ex)
        {
            host.Dispose();
            await io.Error.WriteLineAsync("Configuration error: " + ex.Message);
            return ExitCodes.Configuration;
        }

        using (host)
        {
            // Bot mode (BotMode.cs): no verb and a Discord token.
            if (args.Length == 0 && BotMode.IsConfigured(host.Services))
            {
                return await BotMode.RunAsync(host, io, cancellationToken);
            }

            var root = CliCommands.Build(host.Services, io);
            return await root.Parse(args).InvokeAsync(new() { Output = io.Out, Error = io.Error }, cancellationToken);
        }
    }

    internal static HostApplicationBuilder CreateBuilder(AppIo io, bool noVerb)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = "paperbot",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddUserSecrets(typeof(PaperBotApp).Assembly, optional: true)
            .AddEnvironmentVariables();
        if (io.Settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(io.Settings);
        }

        // The bot logs at the configured level; the console and the verbs print their own output and log only problems.
        var botMode = noVerb && !string.IsNullOrWhiteSpace(builder.Configuration["Discord:Token"]);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = botMode ? "HH:mm:ss " : null;
        });
        // Logs go to standard error so that command output (JSON included) stays clean on standard output.
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        if (!botMode)
        {
            builder.Logging.AddFilter((string? _, LogLevel level) => level >= LogLevel.Warning);
        }

        builder.AddPaperBotCore();
        builder.AddPaperBotAi();
        builder.AddPaperBotDiscord();
        builder.AddPaperBotOperations(botMode);
        builder.AddPaperBotPostgresStores();
        return builder;
    }
}

/// <summary>Process exit codes.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The command failed or did part of its work (skipped records, unknown paper).</summary>
    public const int Failed = 1;

    /// <summary>Bad configuration.</summary>
    public const int Configuration = 3;
}
