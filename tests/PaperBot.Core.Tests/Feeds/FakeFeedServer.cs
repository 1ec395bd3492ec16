using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PaperBot.Core.Tests.Feeds;

/// <summary>A loopback HTTP server whose answers a test scripts; it records every request.</summary>
internal sealed class FakeFeedServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public FakeFeedServer()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        var port = ((IPEndPoint)socket.LocalEndpoint).Port;
        socket.Stop();
        BaseUrl = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(BaseUrl);
        _listener.Start();
        _loop = ServeAsync();
    }

    public string BaseUrl { get; }

    /// <summary>Answers a request: status, body, extra headers, and a delay before answering.</summary>
    public Func<HttpListenerRequest, int, Reply> Handler { get; set; } = (_, _) => new Reply(404, "");

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public sealed record Reply(int Status, string Body, IReadOnlyDictionary<string, string>? Headers = null, TimeSpan Delay = default);

    public sealed record RecordedRequest(string PathAndQuery, string? IfNoneMatch);

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // closed while answering
        }
    }

    private async Task ServeAsync()
    {
        var count = 0;
        var pending = new List<Task>();
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                break;
            }

            Requests.Enqueue(new RecordedRequest(context.Request.Url!.PathAndQuery, context.Request.Headers["If-None-Match"]));
            var reply = Handler(context.Request, ++count);
            pending.Add(AnswerAsync(context, reply));
        }

        await Task.WhenAll(pending);
    }

    private static async Task AnswerAsync(HttpListenerContext context, Reply reply)
    {
        try
        {
            if (reply.Delay > TimeSpan.Zero)
            {
                await Task.Delay(reply.Delay);
            }

            context.Response.StatusCode = reply.Status;
            foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>())
            {
                context.Response.Headers[name] = value;
            }

            var bytes = Encoding.UTF8.GetBytes(reply.Body);
            if (reply.Status != 304)
            {
                await context.Response.OutputStream.WriteAsync(bytes);
            }

            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            // the client gave up (attempt timeout)
        }
    }
}
