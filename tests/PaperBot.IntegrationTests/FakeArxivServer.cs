using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PaperBot.IntegrationTests;

/// <summary>
/// A loopback arXiv API: <c>/api/query?id_list=…</c> answers with the real Atom response of Data/arxiv-atom-api.xml,
/// keeping only the requested entry (an unknown id gets a feed without entries, as arXiv answers).
/// </summary>
internal sealed class FakeArxivServer : IAsyncDisposable
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    private readonly WebApplication _app;

    private FakeArxivServer(WebApplication app) => _app = app;

    public string ApiBaseUrl => _app.Urls.First().TrimEnd('/') + "/api";

    public List<string> Queries { get; } = [];

    public static async Task<FakeArxivServer> StartAsync()
    {
        var fixture = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Data", "arxiv-atom-api.xml"));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new FakeArxivServer(app);
        app.MapGet("/api/query", (HttpContext context) =>
        {
            var ids = ((string?)context.Request.Query["id_list"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
            lock (server.Queries)
            {
                server.Queries.Add(context.Request.QueryString.Value ?? "");
            }

            var feed = XDocument.Parse(fixture);
            foreach (var entry in feed.Root!.Elements(Atom + "entry").ToList())
            {
                var id = entry.Element(Atom + "id")?.Value ?? "";
                if (!ids.Any(wanted => id.Contains("/abs/" + wanted, StringComparison.Ordinal)))
                {
                    entry.Remove();
                }
            }

            return Results.Text(feed.Declaration + feed.ToString(), "application/atom+xml");
        });
        await app.StartAsync();
        return server;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
