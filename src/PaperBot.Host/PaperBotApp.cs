namespace PaperBot.Host;

internal static class PaperBotApp
{
    public static Task<int> RunAsync(string[] args)
    {
        _ = args;
        return Task.FromResult(0);
    }
}
