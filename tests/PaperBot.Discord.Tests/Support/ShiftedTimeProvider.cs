namespace PaperBot.Discord.Tests.Support;

/// <summary>The system clock moved to <paramref name="start"/>: wall time starts there and advances in real time; timers are real.</summary>
internal sealed class ShiftedTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly TimeSpan _offset = start - TimeProvider.System.GetUtcNow();

    public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow() + _offset;
}
