using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PaperBot.Discord.Rest;

namespace PaperBot.Discord.Tests.Rest;

public sealed class RestRateLimiterTests
{
    [Fact]
    public void GetBucket_DropsBucketsIdleLongerThanATokenLives()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var limiter = new RestRateLimiter(time, NullLogger<RestRateLimiter>.Instance);
        for (var i = 0; i < 100; i++)
        {
            limiter.GetBucket(RestRoute.InteractionCallback($"{1000 + i}", $"token{i}"));
        }

        Assert.Equal(100, limiter.BucketCount);
        time.Advance(RestRateLimiter.IdleBucketLifetime + TimeSpan.FromMinutes(1));
        limiter.GetBucket(RestRoute.ChannelMessage("645027906669510667"));

        Assert.Equal(1, limiter.BucketCount);
    }

    [Fact]
    public void Route_KeysBucketsByMajorIdsAndKeepsTokensOutOfTheTemplate()
    {
        var route = RestRoute.OriginalResponse(HttpMethod.Patch, "123", "secret-token");
        Assert.Equal("/webhooks/{webhook_id}/{webhook_token}/messages/@original", route.Template);
        Assert.DoesNotContain("secret-token", route.ToString());
        Assert.Equal("123/secret-token", route.MajorKey);
        Assert.True(route.ExemptFromGlobal);
        Assert.False(RestRoute.ChannelMessage("1").ExemptFromGlobal);
        Assert.NotEqual(RestRoute.ChannelMessage("1").RouteKey, RestRoute.ChannelMessage("2").RouteKey);
    }
}
