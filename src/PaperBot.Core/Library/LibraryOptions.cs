using System.ComponentModel.DataAnnotations;

namespace PaperBot.Core.Library;

/// <summary>Where the library lives. Section <c>Library</c>.</summary>
public sealed class LibraryOptions
{
    public const string SectionName = "Library";

    /// <summary>
    /// Path of the SQLite library file. Empty means the user's data folder:
    /// <c>$XDG_DATA_HOME/paperbot/library.db</c>, else <c>~/.local/share/paperbot/library.db</c>.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>Ingest the bundled sample collection when the library is empty at start.</summary>
    public bool SeedSampleWhenEmpty { get; set; } = true;

    /// <summary>The bundled sample collection, relative to the application folder.</summary>
    [Required]
    public string SamplePath { get; set; } = "samples/hf-papers-page-sample.txt";

    /// <summary>The library file path with the default applied.</summary>
    public string ResolvePath()
    {
        if (!string.IsNullOrWhiteSpace(Path))
        {
            return System.IO.Path.GetFullPath(Environment.ExpandEnvironmentVariables(Path));
        }

        var dataHome = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        if (string.IsNullOrWhiteSpace(dataHome))
        {
            dataHome = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        }

        return System.IO.Path.Combine(dataHome, "paperbot", "library.db");
    }
}
