using System.Net.Sockets;
using Npgsql;
using PaperBot.Core;

namespace PaperBot.Store.Postgres;

/// <summary>
/// Opens connections to the library database and turns the ways that fails into one clear line that names
/// the server, the user or the database (never the password): unreachable, wrong password, no such database.
/// </summary>
internal static class PostgresConnections
{
    /// <summary>Opens a connection from <paramref name="dataSource"/>.</summary>
    /// <exception cref="UserFacingException">The server cannot be reached or refuses the login.</exception>
    public static async Task<NpgsqlConnection> OpenAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        try
        {
            return await dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (Exception ex) when (Describe(ex, new NpgsqlConnectionStringBuilder(dataSource.ConnectionString)) is { } message)
        {
            throw new UserFacingException(message, ex);
        }
    }

    /// <summary>A user-facing description of a connection failure, or null when it is not one we recognise.</summary>
    internal static string? Describe(Exception exception, NpgsqlConnectionStringBuilder settings)
    {
        var server = $"{settings.Host}:{settings.Port}";
        return exception switch
        {
            PostgresException { SqlState: PostgresErrorCodes.InvalidPassword } =>
                $"PostgreSQL at {server} refused the password for user '{settings.Username}'. Check ConnectionStrings:Library.",
            PostgresException { SqlState: PostgresErrorCodes.InvalidAuthorizationSpecification } =>
                $"PostgreSQL at {server} does not accept user '{settings.Username}' from this host. Check ConnectionStrings:Library and pg_hba.conf.",
            PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } =>
                $"PostgreSQL at {server} has no database '{settings.Database}'. Create it (createdb {settings.Database}) or fix ConnectionStrings:Library.",
            NpgsqlException { InnerException: SocketException or TimeoutException } or NpgsqlException { IsTransient: true } =>
                $"Cannot reach PostgreSQL at {server}: {exception.InnerException?.Message ?? exception.Message}. Is the server running, and is ConnectionStrings:Library right?",
            _ => null,
        };
    }
}
