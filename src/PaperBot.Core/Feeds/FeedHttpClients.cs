using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace PaperBot.Core.Feeds;

/// <summary>
/// One named <see cref="HttpClient"/> per source kind, each with one resilience pipeline: total timeout →
/// retry (exponential with jitter, honouring Retry-After) → attempt timeout. Feed requests are GETs, so
/// retrying them is safe.
/// </summary>
internal static class FeedHttpClients
{
    public const string HfDaily = "PaperBot.Feeds.HfDaily";
    public const string Arxiv = "PaperBot.Feeds.Arxiv";
    public const string Url = "PaperBot.Feeds.Url";

    public static string For(FeedSourceKind kind) => kind switch
    {
        FeedSourceKind.HfDaily => HfDaily,
        FeedSourceKind.Arxiv => Arxiv,
        _ => Url,
    };

    public static IServiceCollection AddFeedHttpClients(this IServiceCollection services)
    {
        foreach (var name in new[] { HfDaily, Arxiv, Url })
        {
            var builder = services.AddHttpClient(name, client =>
                {
                    client.Timeout = Timeout.InfiniteTimeSpan; // Polly owns timeouts
                    client.DefaultRequestHeaders.UserAgent.ParseAdd("PaperBot/0.1 (+https://github.com/paperbot)");
                })
                .RemoveAllLoggers();
            builder.AddResilienceHandler(name, (pipeline, context) =>
                {
                    var options = context.ServiceProvider.GetRequiredService<IOptions<FeedOptions>>().Value;
                    var logger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(FeedHttpClients));
                    // arXiv's spacing applies to retries too: never retry it sooner than the spacing.
                    var baseDelay = name == Arxiv && options.RetryBaseDelay < options.ArxivRequestSpacing ? options.ArxivRequestSpacing : options.RetryBaseDelay;
                    pipeline
                        .AddTimeout(options.TotalTimeout)
                        .AddRetry(new HttpRetryStrategyOptions
                        {
                            MaxRetryAttempts = options.MaxRetryAttempts,
                            BackoffType = DelayBackoffType.Exponential,
                            UseJitter = true,
                            Delay = baseDelay,
                            MaxDelay = options.TotalTimeout,
                            ShouldRetryAfterHeader = true,
                            OnRetry = args =>
                            {
                                logger.Retrying(
                                    name,
                                    args.AttemptNumber + 1,
                                    args.Outcome.Result is { } response ? $"HTTP {(int)response.StatusCode}" : args.Outcome.Exception?.GetType().Name,
                                    (long)args.RetryDelay.TotalMilliseconds);
                                return default;
                            },
                        })
                        .AddTimeout(options.AttemptTimeout);
                });
        }

        return services;
    }
}
