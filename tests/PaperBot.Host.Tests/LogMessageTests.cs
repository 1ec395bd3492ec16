using System.Reflection;
using Microsoft.Extensions.Logging;

namespace PaperBot.Host.Tests;

/// <summary>The source-generated log messages: one event id per message in each assembly, and no secret among the parameters.</summary>
public sealed class LogMessageTests
{
    public static TheoryData<string> Assemblies => new() { "PaperBot.Core", "PaperBot.AI", "PaperBot.Discord" };

    private static List<(MethodInfo Method, LoggerMessageAttribute Attribute)> Messages(string assembly) =>
        Assembly.Load(assembly).GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()!))
            .Where(x => x.Attribute is not null)
            .ToList();

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void LoggerMessages_OfOneAssembly_HaveDistinctEventIds(string assembly)
    {
        var messages = Messages(assembly);

        Assert.NotEmpty(messages);
        var duplicates = messages.GroupBy(x => x.Attribute.EventId).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(x => $"{x.Method.DeclaringType!.Name}.{x.Method.Name}"))}");
        Assert.Empty(duplicates);
    }

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void LoggerMessages_Parameters_NeverASecret(string assembly)
    {
        var secrets = Messages(assembly)
            .SelectMany(x => x.Method.GetParameters().Select(p => (x.Method, Parameter: p.Name ?? "")))
            .Where(x => System.Text.RegularExpressions.Regex.IsMatch(x.Parameter, "^(token|.*Token|apiKey|key|password|secret|authorization)$", System.Text.RegularExpressions.RegexOptions.IgnoreCase))
            .Select(x => $"{x.Method.DeclaringType!.Name}.{x.Method.Name}({x.Parameter})");

        Assert.Empty(secrets);
    }
}
