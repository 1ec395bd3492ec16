using System.Globalization;

namespace PaperBot.Core;

/// <summary>
/// Who holds a lease or a claim in the shared store: <c>machine/pid/random</c>, unique per process, so that two
/// processes on one store never share one, and a process on this machine can tell that a holder has died.
/// </summary>
public static class ProcessOwner
{
    /// <summary>A new holder id for this process.</summary>
    public static string NewId() => $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>
    /// Whether the holder is known to be dead: it ran on this machine and no process with its id runs now. A
    /// holder on another machine, or one that may be alive, is not.
    /// </summary>
    public static bool IsGone(string holder)
    {
        ArgumentNullException.ThrowIfNull(holder);
        var parts = holder.Split('/');
        if (parts.Length != 3 || parts[0] != Environment.MachineName
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
        {
            return false;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true; // no such process
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }
}
