using System.Net;
using System.Net.Sockets;
using PaperBot.Core.Ingestion;
using PaperBot.Core.Tests.Support;

namespace PaperBot.Core.Tests.Ingestion;

public sealed class UrlIngestionTests : IDisposable
{
    private readonly TestLibrary _library = new();
    private readonly HttpListener _listener = new();
    private readonly string _baseUrl;

    public UrlIngestionTests()
    {
        var port = FreePort();
        _baseUrl = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(_baseUrl);
        _listener.Start();
        _ = ServeAsync();
    }

    public void Dispose()
    {
        _listener.Close();
        _library.Dispose();
    }

    [Fact]
    public async Task Ingest_Url_DetectsFormatFromContentAndAddsPapers()
    {
        var report = await _library.Ingestor.IngestAsync(_baseUrl + "feed");

        Assert.Equal(IngestFormat.ArxivAtom, report.Format);
        Assert.Equal(5, report.Added);
    }

    [Fact]
    public async Task Ingest_UrlAnswering404_IsOneClearLineAndAddsNothing()
    {
        var error = await Assert.ThrowsAsync<IngestException>(() => _library.Ingestor.IngestAsync(_baseUrl + "missing"));

        Assert.Equal($"{_baseUrl}missing: HTTP 404 Not Found; nothing was added.", error.Message);
        Assert.Equal(0, (await _library.Papers.GetStatsAsync()).Papers);
    }

    [Fact]
    public async Task Ingest_UnreachableUrl_IsOneClearLine()
    {
        var url = $"http://127.0.0.1:{FreePort()}/papers.jsonl";

        var error = await Assert.ThrowsAsync<IngestException>(() => _library.Ingestor.IngestAsync(url));

        Assert.StartsWith($"{url}: cannot be read (", error.Message, StringComparison.Ordinal);
    }

    private async Task ServeAsync()
    {
        var feed = await File.ReadAllBytesAsync(TestData.Fixture("arxiv-atom-api.xml"));
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            if (context.Request.Url!.AbsolutePath == "/feed")
            {
                context.Response.ContentType = "application/atom+xml";
                await context.Response.OutputStream.WriteAsync(feed);
            }
            else
            {
                context.Response.StatusCode = 404;
            }

            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
