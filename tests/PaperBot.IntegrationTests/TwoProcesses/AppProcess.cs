using System.Collections.Concurrent;
using System.Diagnostics;

namespace PaperBot.IntegrationTests.TwoProcesses;

/// <summary>
/// The real <c>paperbot</c> executable run as a child process (the build copies it beside the tests), configured through
/// environment variables as an operator would, with its output kept for the test's failure messages. A process that
/// the test kills dies as a crashed host does: no shutdown, no cleanup.
/// </summary>
internal sealed class AppProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private AppProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Standard output and standard error, line by line, in arrival order.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    /// <summary>Starts <c>paperbot <paramref name="args"/></c> with <paramref name="settings"/> as configuration.</summary>
    public static AppProcess Start(string name, IReadOnlyDictionary<string, string?> settings, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "paperbot.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var app = new AppProcess(name, process);
        process.OutputDataReceived += (_, e) => app.Add(e.Data);
        process.ErrorDataReceived += (_, e) => app.Add(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return app;
    }

    /// <summary>Runs a CLI verb to its end; its output when it exits 0, an exception with the output otherwise.</summary>
    public static async Task<string> RunAsync(IReadOnlyDictionary<string, string?> settings, TimeSpan timeout, params string[] args)
    {
        using var app = Start("paperbot " + string.Join(' ', args), settings, args);
        var code = await app.WaitForExitAsync(timeout);
        var output = string.Join('\n', app.Lines);
        return code == 0 ? output : throw new InvalidOperationException($"'{app.Name}' exited with {code}:\n{output}");
    }

    /// <summary>The exit code, once the process has exited and its output is read.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"'{Name}' did not exit within {timeout}:\n{Tail()}");
        }

        return _process.ExitCode;
    }

    /// <summary>SIGKILL, as when the host is lost: the process gets no chance to finish what it was doing.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
    }

    public string Tail(int lines = 60) => $"--- {Name} (pid {_process.Id}) ---\n" + string.Join('\n', Lines.TakeLast(lines));

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }
}
