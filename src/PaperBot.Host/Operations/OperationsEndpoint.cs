using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace PaperBot.Host.Operations;

/// <summary>
/// Serves <c>/metrics</c> (Prometheus text format, from the bot's own meter provider) and <c>/healthz</c>
/// (the same checks as <c>paperbot health</c>, as JSON; 503 when unhealthy) on <c>Metrics:ListenUrl</c>.
/// </summary>
internal sealed class OperationsEndpoint(
    IOptions<MetricsOptions> options,
    MeterProvider meterProvider,
    HealthCheckService health,
    ILogger<OperationsEndpoint> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The address actually bound (port 0 resolves to a free port).</summary>
    public Uri? BoundAddress { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(options.Value.ListenUrl!);
        _app = builder.Build();
        _app.UseOpenTelemetryPrometheusScrapingEndpoint(meterProvider, predicate: null, path: "/metrics",
            configureBranchedPipeline: null, optionsName: null);
        _app.MapGet("/healthz", (Delegate)(async (HttpContext context) =>
        {
            var report = await health.CheckHealthAsync(context.RequestAborted);
            context.Response.StatusCode = report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
            context.Response.ContentType = "application/json";
            await JsonSerializer.SerializeAsync(context.Response.Body, new
            {
                status = report.Status.ToString(),
                checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
            }, cancellationToken: context.RequestAborted);
        }));
        await _app.StartAsync(cancellationToken);
        BoundAddress = new Uri(_app.Urls.First());
        logger.LogInformation("Metrics on {Url}metrics, health on {Url}healthz", BoundAddress, BoundAddress);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
