using System.ComponentModel.DataAnnotations;

namespace PaperBot.Host.Operations;

/// <summary>The <c>Metrics</c> section: where the bot serves Prometheus metrics and its health.</summary>
public sealed class MetricsOptions : IValidatableObject
{
    public const string SectionName = "Metrics";

    /// <summary>
    /// An <c>http://host:port</c> address for <c>/metrics</c> (Prometheus) and <c>/healthz</c>, for example
    /// <c>http://127.0.0.1:9464</c>; unset (the default) serves nothing. OTLP export is switched on by the
    /// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable instead.
    /// </summary>
    public string? ListenUrl { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ListenUrl is { Length: > 0 } url
            && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath != "/"))
        {
            yield return new ValidationResult(
                $"{SectionName}:ListenUrl must be an http address without a path, for example http://127.0.0.1:9464 (got '{url}').",
                [nameof(ListenUrl)]);
        }
    }
}
