using Microsoft.Extensions.Options;
using Npgsql;

namespace PaperBot.Store.Postgres;

/// <summary>Which database holds the shared stores. Key <c>Library:Provider</c>, with <c>ConnectionStrings:Library</c>.</summary>
public sealed class StoreProviderOptions
{
    public const string SectionName = "Library";

    public const string Sqlite = "sqlite";

    public const string Postgres = "postgres";

    /// <summary><c>sqlite</c> (the default: everything in the library file) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>The Npgsql connection string, from <c>ConnectionStrings:Library</c>; needed for <c>postgres</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Whether <paramref name="provider"/> names PostgreSQL.</summary>
    public static bool IsPostgres(string? provider) => string.Equals(provider?.Trim(), Postgres, StringComparison.OrdinalIgnoreCase);
}

/// <summary>One line per mistake, naming the key to fix; never echoes the connection string (it holds the password).</summary>
internal sealed class StoreProviderOptionsValidator : IValidateOptions<StoreProviderOptions>
{
    public ValidateOptionsResult Validate(string? name, StoreProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var provider = options.Provider?.Trim() ?? "";
        if (string.Equals(provider, StoreProviderOptions.Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            return ValidateOptionsResult.Success;
        }

        if (!StoreProviderOptions.IsPostgres(provider))
        {
            return ValidateOptionsResult.Fail($"Library:Provider must be sqlite or postgres (got '{options.Provider}').");
        }

        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail(
                "Library:Provider is postgres but ConnectionStrings:Library is not set. " +
                "Set it, e.g. ConnectionStrings__Library=\"Host=db;Username=paperbot;Password=...;Database=paperbot\".");
        }

        try
        {
            var settings = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            if (string.IsNullOrWhiteSpace(settings.Host))
            {
                return ValidateOptionsResult.Fail("ConnectionStrings:Library names no server: add Host=… to it.");
            }
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail($"ConnectionStrings:Library is not a valid PostgreSQL connection string: {ex.Message}");
        }

        return ValidateOptionsResult.Success;
    }
}
