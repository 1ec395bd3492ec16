using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace PaperBot.Discord.Gateway;

/// <summary>
/// The gateway acknowledged a heartbeat within <see cref="HealthWindow"/>. In the bot's own process the
/// in-memory status answers; in another process (<c>paperbot health</c>, a container health check) the
/// heartbeat file the bot writes (<c>Discord:HeartbeatFile</c>) does. Without a token there is no bot to check.
/// </summary>
internal sealed class GatewayHealthCheck(IOptions<DiscordOptions> options, GatewayStatus status, TimeProvider time) : IHealthCheck
{
    /// <summary>The longest a healthy gateway goes without an acknowledged heartbeat (Discord's interval is about 41 s).</summary>
    public static readonly TimeSpan HealthWindow = TimeSpan.FromSeconds(120);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (status.FatalError is { } fatal)
        {
            return HealthCheckResult.Unhealthy(fatal);
        }

        if (string.IsNullOrWhiteSpace(options.Value.Token))
        {
            return HealthCheckResult.Healthy("no Discord token: console and CLI only");
        }

        var lastAck = status.LastHeartbeatAck;
        if (lastAck is null)
        {
            var path = options.Value.HeartbeatFile;
            if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
            {
                return HealthCheckResult.Unhealthy("no heartbeat yet, and no heartbeat file (Discord:HeartbeatFile)");
            }

            var text = (await File.ReadAllTextAsync(path, cancellationToken)).Trim();
            if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
            {
                return HealthCheckResult.Unhealthy($"heartbeat file holds '{text}'");
            }

            lastAck = DateTimeOffset.FromUnixTimeSeconds(seconds);
        }

        var age = time.GetUtcNow() - lastAck.Value;
        var described = $"last gateway heartbeat {Math.Max(0, age.TotalSeconds):0} s ago";
        return age > HealthWindow ? HealthCheckResult.Unhealthy(described) : HealthCheckResult.Healthy(described);
    }
}
