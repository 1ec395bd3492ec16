using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PaperBot.Discord.Gateway;

/// <summary>Gateway health: last acknowledged heartbeat (written to <c>Discord:HeartbeatFile</c> for the container health check) and a fatal stop.</summary>
internal sealed class GatewayStatus(IOptions<DiscordOptions> options, TimeProvider time, ILogger<GatewayStatus> logger) : IDiscordBotStatus
{
    private long _lastAckUnixMs;

    /// <summary>Set when the gateway closed with a code that must not be retried (4004, 4010–4014).</summary>
    public string? FatalError { get; private set; }

    public DateTimeOffset? LastHeartbeatAck =>
        Interlocked.Read(ref _lastAckUnixMs) is var ms && ms > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    public void HeartbeatAcknowledged()
    {
        var now = time.GetUtcNow();
        Interlocked.Exchange(ref _lastAckUnixMs, now.ToUnixTimeMilliseconds());
        if (string.IsNullOrWhiteSpace(options.Value.HeartbeatFile))
        {
            return;
        }

        try
        {
            File.WriteAllText(options.Value.HeartbeatFile, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        }
        catch (IOException ex)
        {
            logger.HeartbeatFileFailed(ex, options.Value.HeartbeatFile);
        }
        catch (UnauthorizedAccessException ex)
        {
            logger.HeartbeatFileFailed(ex, options.Value.HeartbeatFile);
        }
    }

    public void SetFatal(string error) => FatalError ??= error;

    /// <summary>The bot's user id from READY, to recognise messages that mention it.</summary>
    public string? BotUserId { get; set; }
}
