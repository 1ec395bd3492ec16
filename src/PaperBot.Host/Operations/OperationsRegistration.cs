using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using PaperBot.Core.Telemetry;

namespace PaperBot.Host.Operations;

/// <summary>Metrics (OpenTelemetry) and health for the bot.</summary>
internal static class OperationsRegistration
{
    /// <summary>The standard OpenTelemetry variable that switches OTLP export on.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// Validates <see cref="MetricsOptions"/>; when the bot runs with <c>Metrics:ListenUrl</c> or an OTLP endpoint,
    /// collects every <c>PaperBot.*</c> meter plus runtime and HttpClient metrics and exports them.
    /// </summary>
    public static IHostApplicationBuilder AddPaperBotOperations(this IHostApplicationBuilder builder, bool botMode)
    {
        builder.Services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var listenUrl = builder.Configuration[$"{MetricsOptions.SectionName}:ListenUrl"];
        var otlp = builder.Configuration[OtlpEndpointVariable];
        if (!botMode || (string.IsNullOrWhiteSpace(listenUrl) && string.IsNullOrWhiteSpace(otlp)))
        {
            return builder;
        }

        builder.Services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddMeter(CoreMetrics.MeterPrefix + ".*").AddRuntimeInstrumentation().AddHttpClientInstrumentation();
            if (!string.IsNullOrWhiteSpace(listenUrl))
            {
                metrics.AddPrometheusExporter();
            }

            if (!string.IsNullOrWhiteSpace(otlp))
            {
                metrics.AddOtlpExporter();
            }
        });
        if (!string.IsNullOrWhiteSpace(listenUrl))
        {
            builder.Services.AddSingleton<OperationsEndpoint>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<OperationsEndpoint>());
        }

        return builder;
    }
}
