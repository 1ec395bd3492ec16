using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace PaperBot.Host;

/// <summary>Turns the configuration binder's exception for a malformed value into one line that names the key.</summary>
internal static partial class ConfigurationErrors
{
    /// <summary>The binder threw it: a configuration value could not be converted to its option's type.</summary>
    public static bool IsBindingFailure(InvalidOperationException exception) =>
        exception.TargetSite?.DeclaringType == typeof(ConfigurationBinder) || ConversionRegex().IsMatch(exception.Message);

    /// <summary>"Embeddings:MaxTokens must be a whole number (got 'abc')." or, for a shape we do not know, the binder's own message.</summary>
    public static string Describe(InvalidOperationException exception)
    {
        var match = ConversionRegex().Match(exception.Message);
        if (!match.Success)
        {
            return exception.Message;
        }

        var expected = match.Groups["type"].Value switch
        {
            "System.Int32" or "System.Int64" or "System.Int16" => "a whole number",
            "System.Double" or "System.Single" or "System.Decimal" => "a number such as 0.5",
            "System.Boolean" => "true or false",
            "System.TimeSpan" => "a duration such as 00:00:30",
            "System.Uri" => "a URL",
            var other => "a value of type " + other,
        };
        return $"{match.Groups["key"].Value} must be {expected} (got '{match.Groups["value"].Value}').";
    }

    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex ConversionRegex();
}
