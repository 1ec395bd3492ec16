namespace PaperBot.Host;

/// <summary>
/// The process's standard streams and extra configuration, passed in so that tests can run the real
/// application in-process with their own input, output and settings.
/// </summary>
internal sealed record AppIo(TextReader In, TextWriter Out, TextWriter Error, bool IsInteractive, IReadOnlyDictionary<string, string?>? Settings = null)
{
    public static AppIo FromConsole() => new(
        Console.In,
        Console.Out,
        Console.Error,
        !Console.IsOutputRedirected && !Console.IsInputRedirected);
}
