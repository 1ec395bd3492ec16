using System.Globalization;
using Cronos;

namespace PaperBot.Core.Digests;

/// <summary>
/// Parses and checks what a user gives for a subscription, and computes occurrences with Cronos in the
/// subscription's time zone (DST-correct: a time skipped by a spring-forward runs at the first valid
/// instant after it, a repeated hour runs once).
/// </summary>
public static class DigestSchedule
{
    /// <summary>A daily time "HH:mm" as a Cronos expression, or a user-facing problem.</summary>
    public static string DailyCron(string time)
    {
        if (!TimeOnly.TryParseExact(time?.Trim(), ["HH:mm", "H:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
        {
            throw new UserFacingException($"'{time}' is not a time. Use HH:mm on a 24-hour clock, for example 08:00 or 17:30.");
        }

        return $"{at.Minute} {at.Hour} * * *";
    }

    /// <summary>Parses a cron expression (5 fields: minute hour day month weekday).</summary>
    public static CronExpression ParseCron(string cron)
    {
        try
        {
            return CronExpression.Parse(cron?.Trim() ?? "", CronFormat.Standard);
        }
        catch (CronFormatException ex)
        {
            throw new UserFacingException(
                $"'{cron}' is not a cron expression ({ex.Message.TrimEnd('.')}). Use five fields: minute hour day month weekday, for example \"0 8 * * 1-5\" for 08:00 on weekdays.", ex);
        }
    }

    /// <summary>An IANA time zone, or a user-facing problem.</summary>
    public static TimeZoneInfo ParseTimeZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id?.Trim() ?? "");
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            throw new UserFacingException($"'{id}' is not a known time zone. Use an IANA name such as UTC, Europe/Berlin or America/New_York.", ex);
        }
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>.</summary>
    public static DateTimeOffset? Next(Subscription subscription, DateTimeOffset after)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        return ParseCron(subscription.Cron).GetNextOccurrence(after, ParseTimeZone(subscription.TimeZone));
    }

    /// <summary>The latest occurrence at or before <paramref name="now"/> and after the subscription was created, or null.</summary>
    public static DateTimeOffset? Latest(Subscription subscription, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        var from = subscription.CreatedAt > now - TimeSpan.FromDays(8) ? subscription.CreatedAt : now - TimeSpan.FromDays(8);
        if (from >= now)
        {
            return null;
        }

        return ParseCron(subscription.Cron)
            .GetOccurrences(from, now, ParseTimeZone(subscription.TimeZone), fromInclusive: false, toInclusive: true)
            .Select(o => (DateTimeOffset?)o)
            .LastOrDefault();
    }

    /// <summary>Whether two instants fall on the same calendar day in <paramref name="zone"/>.</summary>
    public static bool SameLocalDay(DateTimeOffset a, DateTimeOffset b, string zone)
    {
        var tz = ParseTimeZone(zone);
        return TimeZoneInfo.ConvertTime(a, tz).Date == TimeZoneInfo.ConvertTime(b, tz).Date;
    }
}
