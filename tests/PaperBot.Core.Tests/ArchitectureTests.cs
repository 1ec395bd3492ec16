using System.Text.RegularExpressions;

namespace PaperBot.Core.Tests;

/// <summary>
/// The persistence rule from the house style: SQL lives only in the store implementations; the rest of the code
/// talks to the store interfaces Core defines.
/// </summary>
public sealed partial class ArchitectureTests
{
    /// <summary>Folders that hold store implementations (relative to <c>src/</c>).</summary>
    private static readonly string[] StoreFolders =
    [
        "PaperBot.Core/Library/Sqlite/",
        "PaperBot.Store.Postgres/",
    ];

    /// <summary>Single files allowed to hold SQL (relative to <c>src/</c>).</summary>
    private static readonly string[] StoreFiles =
    [
        // The SQLite migrations: an append-only list that every branch appends to, so it keeps its path.
        "PaperBot.Core/Library/LibrarySchema.cs",
    ];

    [Fact]
    public void SourceFiles_OutsideStoreImplementations_HoldNoSql()
    {
        var src = Path.Combine(RepositoryRoot(), "src");
        var offenders = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(src, f).Replace('\\', '/'))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .Where(f => !StoreFolders.Any(folder => f.StartsWith(folder, StringComparison.Ordinal)) && !StoreFiles.Contains(f))
            .Where(f => HoldsSql(File.ReadAllText(Path.Combine(src, f))))
            .ToList();

        Assert.True(offenders.Count == 0, "SQL outside the store implementations: " + string.Join(", ", offenders));
    }

    [Theory]
    [InlineData("command.CommandText = query;")]
    [InlineData("var sql = \"SELECT id, title FROM papers WHERE id = $id\";")]
    [InlineData("\"\"\"\n    INSERT INTO meta (key, value) VALUES ('a', 'b')\n    \"\"\"")]
    [InlineData("const string Q = \"UPDATE passages SET embedding = NULL\";")]
    [InlineData("\"DELETE FROM papers\"")]
    [InlineData("\"PRAGMA user_version\"")]
    [InlineData("using Microsoft.Data.Sqlite;")]
    public void HoldsSql_SqlOrSqliteAccess_IsFound(string code) => Assert.True(HoldsSql(code));

    [Theory]
    [InlineData("var ids = papers.Select(p => p.Id).ToList();")]
    [InlineData("// Select the best passage from the ranking.")]
    [InlineData("await store.UpsertAsync(papers, model, cancellationToken);")]
    public void HoldsSql_OrdinaryCode_IsNotFound(string code) => Assert.False(HoldsSql(code));

    private static bool HoldsSql(string code) => SqlRegex().IsMatch(code);

    // Upper-case SQL, as this code base writes it; LINQ's Select and prose do not match.
    [GeneratedRegex(@"\bCommandText\b|\bMicrosoft\.Data\.Sqlite\b|\bNpgsql\b|\bSELECT\b[\s\S]{1,400}?\bFROM\b|\bINSERT\s+(OR\s+[A-Z]+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|\bCREATE\s+(VIRTUAL\s+|TEMP\s+|UNIQUE\s+)?(TABLE|INDEX|TRIGGER)\b|\bPRAGMA\s+\w+")]
    private static partial Regex SqlRegex();

    private static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "PaperBot.sln")))
        {
            folder = folder.Parent;
        }

        Assert.NotNull(folder);
        return folder.FullName;
    }
}
