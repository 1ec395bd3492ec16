using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaperBot.Core.Usage;
using PaperBot.Discord.Commands;
using PaperBot.Discord.Interactions;

namespace PaperBot.Discord.FairUse;

/// <summary>What the budget allows for one request.</summary>
/// <param name="ExtractiveOnly">The server's daily token budget is spent: answer without the model.</param>
internal sealed record BudgetDecision(bool ExtractiveOnly, long Remaining);

/// <summary>
/// Fair use: short-window request limits partitioned by user and by server (<see cref="PartitionedRateLimiter"/>,
/// per process), and a daily token budget per server counted in the library (shared by every process).
/// </summary>
internal sealed class FairUseGate : IDisposable
{
    internal const string BudgetNote = "This server has used today's model budget, so this reply is extractive (quoted from the papers, no model).";
    private const string DirectMessages = "dm";

    private readonly PartitionedRateLimiter<Requester> _limiter;
    private readonly IUsageStore _usage;
    private readonly LimitsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<FairUseGate> _logger;

    public FairUseGate(IUsageStore usage, IOptions<LimitsOptions> options, TimeProvider time, ILogger<FairUseGate> logger)
    {
        _usage = usage;
        _options = options.Value;
        _time = time;
        _logger = logger;
        var perUser = PartitionedRateLimiter.Create<Requester, string>(r => RateLimitPartition.GetFixedWindowLimiter(
            "user:" + r.UserId, _ => new FixedWindowRateLimiterOptions { PermitLimit = _options.PerUser, Window = _options.Window, QueueLimit = 0 }));
        var perServer = PartitionedRateLimiter.Create<Requester, string>(r => RateLimitPartition.GetFixedWindowLimiter(
            r.Scope, _ => new FixedWindowRateLimiterOptions { PermitLimit = _options.PerServer, Window = _options.Window, QueueLimit = 0 }));
        _limiter = PartitionedRateLimiter.CreateChained(perUser, perServer);
    }

    public void Dispose() => _limiter.Dispose();

    /// <summary>Takes one model-backed request for this user and server; a user-facing refusal ("try again in N s") or null.</summary>
    public string? TryAcquire(Interaction interaction)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        return TryAcquire(interaction.UserId, interaction.GuildId);
    }

    /// <inheritdoc cref="TryAcquire(Interaction)"/>
    public string? TryAcquire(string? userId, string? guildId)
    {
        using var lease = _limiter.AttemptAcquire(new Requester(userId ?? "unknown", Scope(guildId)));
        if (lease.IsAcquired)
        {
            return null;
        }

        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : _options.Window;
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        _logger.LogInformation("Fair use: request of user {UserId} in {GuildId} refused for {Seconds} s", userId, guildId, seconds);
        return string.Create(CultureInfo.InvariantCulture, $"You're asking faster than this server allows. Try again in {seconds} s.");
    }

    /// <summary>Whether the server's daily budget still allows the model, and how much is left.</summary>
    public async Task<BudgetDecision> CheckBudgetAsync(string? guildId, CancellationToken cancellationToken)
    {
        if (_options.DailyTokensPerServer <= 0)
        {
            return new BudgetDecision(false, long.MaxValue);
        }

        var spent = await _usage.GetAsync(Scope(guildId), Today(), cancellationToken);
        var remaining = Math.Max(0, _options.DailyTokensPerServer - spent);
        return new BudgetDecision(remaining == 0, remaining);
    }

    /// <summary>Adds the tokens a request spent to the server's count for today.</summary>
    public async Task RecordAsync(string? guildId, long tokens, CancellationToken cancellationToken)
    {
        if (tokens <= 0)
        {
            return;
        }

        var total = await _usage.AddAsync(Scope(guildId), Today(), tokens, cancellationToken);
        _logger.LogDebug("Server {GuildId} spent {Tokens} tokens ({Total} today)", guildId, tokens, total);
    }

    /// <summary>The reply with <see cref="BudgetNote"/> when the budget made it extractive.</summary>
    public static DiscordMessage WithBudgetNote(DiscordMessage message, BudgetDecision budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        return budget.ExtractiveOnly ? ReplyRenderer.WithNote(message, BudgetNote) : message;
    }

    /// <summary>The /help line on today's budget.</summary>
    public async Task<string> DescribeAsync(string? guildId, CancellationToken cancellationToken)
    {
        var limits = string.Create(CultureInfo.InvariantCulture, $"{_options.PerUser} requests per user and {_options.PerServer} per server every {Describe(_options.Window)}.");
        if (_options.DailyTokensPerServer <= 0)
        {
            return limits + " No daily token budget.";
        }

        var budget = await CheckBudgetAsync(guildId, cancellationToken);
        var reset = _time.GetUtcNow().UtcDateTime.Date.AddDays(1);
        var left = string.Create(CultureInfo.InvariantCulture,
            $" Model budget left today: {budget.Remaining:N0} of {_options.DailyTokensPerServer:N0} tokens (resets <t:{new DateTimeOffset(reset, TimeSpan.Zero).ToUnixTimeSeconds()}:R>).");
        return limits + left + (budget.ExtractiveOnly ? " Answers are extractive until then." : "");
    }

    private static string Describe(TimeSpan window) =>
        window.TotalMinutes >= 1 && window.TotalMinutes % 1 == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{window.TotalMinutes:0} min")
            : string.Create(CultureInfo.InvariantCulture, $"{window.TotalSeconds:0} s");

    private static string Scope(string? guildId) => guildId is { Length: > 0 } id ? "guild:" + id : DirectMessages;

    private DateOnly Today() => DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);

    private readonly record struct Requester(string UserId, string Scope);
}

/// <summary>Counts the model tokens spent while it is open and adds them to the server's daily count when disposed.</summary>
internal sealed class UsageRecording(FairUseGate gate, string? guildId) : IAsyncDisposable
{
    private readonly TokenUsageScope _scope = TokenUsageScope.Begin();

    public async ValueTask DisposeAsync()
    {
        _scope.Dispose();
        await gate.RecordAsync(guildId, _scope.Total, CancellationToken.None);
    }
}
