using PaperBot.Core;

namespace PaperBot.Host.Cli;

/// <summary>Runs a verb: user-facing errors become one line and exit code 1; anything else is a bug report.</summary>
internal static class CliRunner
{
    public static async Task<int> RunAsync(AppIo io, Func<Task<int>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await action();
        }
        catch (UserFacingException ex)
        {
            await io.Error.WriteLineAsync("error: " + ex.Message);
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await io.Error.WriteLineAsync("Cancelled.");
            return ExitCodes.Failed;
        }
    }
}
