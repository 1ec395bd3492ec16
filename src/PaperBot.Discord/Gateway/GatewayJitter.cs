namespace PaperBot.Discord.Gateway;

/// <summary>Source of the heartbeat and backoff jitter (uniform in [0, 1)); tests pin it.</summary>
internal sealed class GatewayJitter
{
    public Func<double> Next { get; set; } = Random.Shared.NextDouble;
}
