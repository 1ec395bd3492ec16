using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PaperBot.Discord.Rest;

namespace PaperBot.Discord.Gateway;

/// <summary>
/// One gateway shard: connects with <c>v=10&amp;encoding=json</c>, heartbeats (jittered first beat, ACK-based
/// zombie detection), identifies or resumes, tracks the sequence, dispatches INTERACTION_CREATE, and
/// reconnects by the rules of DOCS events/gateway.mdx: resume after op 7, drops and resumable close codes;
/// a new session after op 9 <c>false</c>, 4007, 4009; never again after 4004 or 4010–4014.
/// </summary>
internal sealed class GatewayShard
{
    private const int MaxPayloadBytes = 4096;
    private const int MaxResumeConnectFailures = 3;
    private static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(60);

    private readonly GatewayDiscovery _discovery;
    private readonly IdentifyThrottler _throttler;
    private readonly GatewayStatus _status;
    private readonly DiscordOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<double> _jitter;
    private readonly Action<string, JsonElement, long> _onEvent;

    private string? _sessionId;
    private string? _resumeUrl;
    private long? _sequence;

    public GatewayShard(
        int shardId,
        int shardCount,
        GatewayDiscovery discovery,
        IdentifyThrottler throttler,
        GatewayStatus status,
        DiscordOptions options,
        TimeProvider time,
        ILogger logger,
        Action<string, JsonElement, long> onEvent,
        Func<double>? jitter = null)
    {
        ShardId = shardId;
        ShardCount = shardCount;
        _discovery = discovery;
        _throttler = throttler;
        _status = status;
        _options = options;
        _time = time;
        _logger = logger;
        _onEvent = onEvent;
        _jitter = jitter ?? Random.Shared.NextDouble;
    }

    public int ShardId { get; }

    public int ShardCount { get; }

    /// <summary>Application id from READY.</summary>
    public string? ApplicationId { get; private set; }

    /// <summary>The bot's own user id from READY (to recognise mentions of the bot).</summary>
    public string? BotUserId { get; private set; }

    /// <summary>Raised on READY and RESUMED (tests and health).</summary>
    public event Action<string>? SessionEvent;

    /// <summary>Runs until cancelled or a fatal close code. Returns the fatal reason, or null on shutdown.</summary>
    public async Task<string?> RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        var resumeFailures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            ConnectionResult result;
            var resuming = _sessionId is not null && _resumeUrl is not null;
            try
            {
                result = await RunConnectionAsync(resuming, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return null;
            }
#pragma warning disable CA1031 // Any failure of one connection (network, protocol surprise, our bug) ends in a reconnect, logged.
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                if (ex is WebSocketException or HttpRequestException or IOException or DiscordApiException or TimeoutException)
                {
                    _logger.ConnectionFailed(ShardId, ex.Message, resuming ? "resume" : "identify");
                }
                else
                {
                    _logger.UnexpectedFailure(ex, ShardId, resuming ? "resume" : "identify");
                }

                if (!resuming)
                {
                    _discovery.Invalidate();
                }

                // A resume URL that keeps failing is given up for a new session, as Discord advises.
                var giveUpResume = resuming && ++resumeFailures >= MaxResumeConnectFailures;
                result = new ConnectionResult(resuming && !giveUpResume ? ReconnectAction.Resume : ReconnectAction.Identify, null, Healthy: false, Immediate: false);
            }

            if (result.Healthy)
            {
                resumeFailures = 0;
            }

            switch (result.Action)
            {
                case ReconnectAction.Stop:
                    return null;
                case ReconnectAction.Fatal:
                    var reason = $"Discord gateway closed shard {ShardId} with {result.CloseCode}: {GatewayCloseCodes.Describe(result.CloseCode, _options.EffectiveIntents)}. Not reconnecting.";
                    _logger.FatalClose(reason);
                    _status.SetFatal(reason);
                    return reason;
                case ReconnectAction.Identify:
                    ClearSession();
                    break;
            }

            failures = result.Healthy ? 0 : failures + 1;
            Telemetry.DiscordMetrics.GatewayReconnects.Add(1, new KeyValuePair<string, object?>("reason", ReconnectReason(result)));
            if (!result.Immediate)
            {
                var delay = Backoff(failures);
                _logger.Reconnecting(ShardId, (long)delay.TotalMilliseconds, result.Action);
                try
                {
                    await Task.Delay(delay, _time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
            }
        }

        return null;
    }

    private static string ReconnectReason(ConnectionResult result) => result.CloseCode switch
    {
        GatewayCloseCodes.Zombie => "zombie",
        _ when result.Reason is { } reason => reason,
        { } code => code.ToString(System.Globalization.CultureInfo.InvariantCulture),
        null => "network",
    };

    /// <summary>Exponential backoff with ±25 % jitter, from <c>ReconnectDelay</c> up to <c>MaxReconnectDelay</c>.</summary>
    internal TimeSpan Backoff(int failures)
    {
        var baseMs = _options.ReconnectDelay.TotalMilliseconds * Math.Pow(2, Math.Min(Math.Max(failures - 1, 0), 16));
        var capped = Math.Min(baseMs, _options.MaxReconnectDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.75 + (_jitter() * 0.5)));
    }

    private void ClearSession()
    {
        _sessionId = null;
        _resumeUrl = null;
        _sequence = null;
    }

    private async Task<ConnectionResult> RunConnectionAsync(bool resuming, CancellationToken cancellationToken)
    {
        string url;
        var maxConcurrency = 1;
        if (resuming)
        {
            url = _resumeUrl!;
        }
        else
        {
            GatewayBotInfo info;
            try
            {
                info = await _discovery.FetchAsync(cancellationToken);
            }
            catch (DiscordApiException) when (_discovery.CachedUrl is not null)
            {
                info = new GatewayBotInfo(_discovery.CachedUrl!, ShardCount, 1000, 1, TimeSpan.Zero, 1);
            }

            url = info.Url;
            maxConcurrency = info.MaxConcurrency;
            if (info.SessionStartRemaining <= 0)
            {
                _logger.SessionStartLimitReached(ShardId, info.SessionStartTotal, (long)info.SessionStartResetAfter.TotalMilliseconds);
                await Task.Delay(info.SessionStartResetAfter, _time, cancellationToken);
            }
        }

        using var socket = new ClientWebSocket();
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await socket.ConnectAsync(GatewayUri(url), cancellationToken);
        _logger.Connected(ShardId, resuming ? "resuming" : "new session");

        var state = new ConnectionState(socket, new GatewaySendLimiter(_time));
        Task? heartbeat = null;
        try
        {
            var buffer = new ArrayBufferWriter<byte>(8192);
            while (true)
            {
                Frame frame;
                try
                {
                    using var helloTimeout = CancellationTokenSource.CreateLinkedTokenSource(connection.Token);
                    if (!state.HelloReceived)
                    {
                        helloTimeout.CancelAfter(HelloTimeout);
                    }

                    frame = await ReceiveAsync(socket, buffer, helloTimeout.Token);
                }
                catch (OperationCanceledException) when (state.Zombie)
                {
                    return new ConnectionResult(ReconnectAction.Resume, GatewayCloseCodes.Zombie, state.Healthy, Immediate: true);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    _logger.NoHello(ShardId, HelloTimeout.TotalSeconds);
                    await CloseQuietlyAsync(socket, GatewayCloseCodes.ResumableClose);
                    return new ConnectionResult(resuming ? ReconnectAction.Resume : ReconnectAction.Identify, null, false, false, "no_hello");
                }
                catch (OperationCanceledException)
                {
                    // Shutdown: 1000 ends the session (the bot shows offline at once).
                    await CloseQuietlyAsync(socket, (int)WebSocketCloseStatus.NormalClosure);
                    return new ConnectionResult(ReconnectAction.Stop, null, state.Healthy, false);
                }
                catch (WebSocketException ex) when (state.Zombie || ex.WebSocketErrorCode == WebSocketError.ConnectionClosedPrematurely)
                {
                    _logger.ConnectionDropped(ShardId, ex.Message);
                    return new ConnectionResult(ReconnectAction.Resume, null, state.Healthy, Immediate: state.Zombie, state.Zombie ? "zombie" : null);
                }

                if (frame.Close)
                {
                    var code = (int?)socket.CloseStatus;
                    var action = GatewayCloseCodes.Classify(code);
                    if (action == ReconnectAction.Resume && _sessionId is null)
                    {
                        action = ReconnectAction.Identify;
                    }

                    _logger.Closed(ShardId, code, GatewayCloseCodes.Describe(code), action);
                    await CloseQuietlyAsync(socket, (int)WebSocketCloseStatus.NormalClosure);
                    return new ConnectionResult(action, code, state.Healthy, Immediate: false);
                }

                var outcome = await HandleFrameAsync(frame.Json, state, resuming, maxConcurrency, connection, cancellationToken);
                if (outcome is not null)
                {
                    return outcome;
                }

                heartbeat ??= state.HeartbeatLoop;
            }
        }
        finally
        {
            await connection.CancelAsync();
            foreach (var task in new[] { heartbeat, state.Identify })
            {
                if (task is null)
                {
                    continue;
                }

                try
                {
                    await task;
                }
                catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
                {
                    // Expected: the connection ended under the heartbeat or the pending identify.
                }
            }
        }
    }

    private async Task<ConnectionResult?> HandleFrameAsync(
        JsonElement payload, ConnectionState state, bool resuming, int maxConcurrency, CancellationTokenSource connection, CancellationToken cancellationToken)
    {
        var op = payload.TryGetProperty("op", out var o) && o.TryGetInt32(out var opValue) ? opValue : -1;
        switch (op)
        {
            case 0:
            {
                if (payload.TryGetProperty("s", out var s) && s.ValueKind == JsonValueKind.Number)
                {
                    _sequence = s.GetInt64();
                }

                var type = payload.TryGetProperty("t", out var t) ? t.GetString() : null;
                var data = payload.TryGetProperty("d", out var d) ? d : default;
                switch (type)
                {
                    case "READY" when data.ValueKind == JsonValueKind.Object && data.TryGetProperty("session_id", out var sessionId):
                        _sessionId = sessionId.GetString();
                        _resumeUrl = data.TryGetProperty("resume_gateway_url", out var r) ? r.GetString() : null;
                        if (data.TryGetProperty("application", out var app) && app.ValueKind == JsonValueKind.Object && app.TryGetProperty("id", out var appId))
                        {
                            ApplicationId = appId.GetString();
                        }

                        if (data.TryGetProperty("user", out var user) && user.ValueKind == JsonValueKind.Object && user.TryGetProperty("id", out var userId))
                        {
                            BotUserId = userId.GetString();
                        }

                        state.Healthy = true;
                        _logger.Ready(ShardId);
                        SessionEvent?.Invoke("READY");
                        break;
                    case "RESUMED":
                        state.Healthy = true;
                        _logger.Resumed(ShardId, _sequence);
                        SessionEvent?.Invoke("RESUMED");
                        break;
                    case "INTERACTION_CREATE":
                    case "MESSAGE_CREATE":
                        // Only queued here (bounded, never blocking): a slow or malformed event must not hold up or cost the connection.
                        try
                        {
                            _onEvent(type, data.Clone(), _time.GetTimestamp());
                        }
#pragma warning disable CA1031 // One bad event is logged and dropped; it never reconnects the shard.
                        catch (Exception ex)
#pragma warning restore CA1031
                        {
                            _logger.DispatchDropped(ex, ShardId, type);
                        }

                        break;
                }

                return null;
            }

            case 1:
                await SendAsync(state, Heartbeat(), priority: true, cancellationToken);
                return null;

            case 7:
                _logger.ReconnectRequested(ShardId);
                await CloseQuietlyAsync(state.Socket, GatewayCloseCodes.ResumableClose);
                return new ConnectionResult(_sessionId is null ? ReconnectAction.Identify : ReconnectAction.Resume, null, true, Immediate: true, "reconnect_requested");

            case 9:
            {
                var resumable = payload.TryGetProperty("d", out var d) && d.ValueKind == JsonValueKind.True;
                _logger.InvalidSession(ShardId, resumable);
                await CloseQuietlyAsync(state.Socket, GatewayCloseCodes.ResumableClose);
                return new ConnectionResult(resumable && _sessionId is not null ? ReconnectAction.Resume : ReconnectAction.Identify, null, false, Immediate: false, "invalid_session");
            }

            case 10:
            {
                var interval = TimeSpan.FromMilliseconds(payload.GetProperty("d").GetProperty("heartbeat_interval").GetDouble());
                state.HelloReceived = true;
                state.HeartbeatLoop = HeartbeatLoopAsync(state, interval, connection);
                if (resuming)
                {
                    await SendAsync(state, new JsonObject
                    {
                        ["op"] = 6,
                        ["d"] = new JsonObject { ["token"] = _options.Token, ["session_id"] = _sessionId, ["seq"] = _sequence },
                    }, priority: true, cancellationToken);
                }
                else
                {
                    // The identify slot can be seconds away (5 s per concurrency bucket); waiting for it here would stop
                    // the frame loop, leave heartbeat ACKs unread and make the new connection look like a zombie.
                    state.Identify = IdentifyAsync(state, maxConcurrency, connection);
                }

                return null;
            }

            case 11:
                state.Acknowledged = true;
                _status.HeartbeatAcknowledged();
                return null;

            default:
                _logger.IgnoringOpcode(ShardId, op);
                return null;
        }
    }

    /// <summary>Waits for this shard's identify slot, then identifies; a failure closes the connection so the shard reconnects.</summary>
    private async Task IdentifyAsync(ConnectionState state, int maxConcurrency, CancellationTokenSource connection)
    {
        await Task.Yield();
        var token = connection.Token;
        try
        {
            await _throttler.WaitAsync(ShardId, maxConcurrency, token);
            await SendAsync(state, new JsonObject
            {
                ["op"] = 2,
                ["d"] = new JsonObject
                {
                    ["token"] = _options.Token,
                    ["intents"] = _options.EffectiveIntents,
                    ["properties"] = new JsonObject { ["os"] = Environment.OSVersion.Platform.ToString().ToLowerInvariant(), ["browser"] = "paperbot", ["device"] = "paperbot" },
                    ["shard"] = new JsonArray(ShardId, ShardCount),
                },
            }, priority: true, token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The connection ended before the slot came up.
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            _logger.IdentifyFailed(ShardId, ex.Message);
            await CloseQuietlyAsync(state.Socket, GatewayCloseCodes.ResumableClose);
        }
    }

    private async Task HeartbeatLoopAsync(ConnectionState state, TimeSpan interval, CancellationTokenSource connection)
    {
        await Task.Yield();
        var token = connection.Token;
        await Task.Delay(interval * _jitter(), _time, token);
        while (!token.IsCancellationRequested)
        {
            if (!state.Acknowledged)
            {
                _logger.Zombie(ShardId);
                state.Zombie = true;
                await CloseQuietlyAsync(state.Socket, GatewayCloseCodes.Zombie);
                await connection.CancelAsync();
                return;
            }

            state.Acknowledged = false;
            await SendAsync(state, Heartbeat(), priority: true, token);
            await Task.Delay(interval, _time, token);
        }
    }

    private JsonObject Heartbeat() => new() { ["op"] = 1, ["d"] = _sequence };

    private static async Task SendAsync(ConnectionState state, JsonObject payload, bool priority, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(payload.ToJsonString());
        if (bytes.Length > MaxPayloadBytes)
        {
            throw new InvalidOperationException($"Gateway payload of {bytes.Length} bytes exceeds Discord's {MaxPayloadBytes}-byte limit.");
        }

        await state.Limiter.WaitAsync(priority, cancellationToken);
        await state.SendGate.WaitAsync(cancellationToken);
        try
        {
            await state.Socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            state.SendGate.Release();
        }
    }

    private static async Task<Frame> ReceiveAsync(ClientWebSocket socket, ArrayBufferWriter<byte> buffer, CancellationToken cancellationToken)
    {
        buffer.Clear();
        while (true)
        {
            var memory = buffer.GetMemory(4096);
            var result = await socket.ReceiveAsync(memory, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return new Frame(default, Close: true);
            }

            buffer.Advance(result.Count);
            if (result.EndOfMessage)
            {
                using var doc = JsonDocument.Parse(buffer.WrittenMemory);
                return new Frame(doc.RootElement.Clone(), Close: false);
            }
        }
    }

    private async Task CloseQuietlyAsync(ClientWebSocket socket, int code)
    {
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await socket.CloseOutputAsync((WebSocketCloseStatus)code, null, timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            _logger.CloseHandshakeFailed(ShardId, ex.Message);
        }
    }

    private static Uri GatewayUri(string url)
    {
        var builder = new UriBuilder(url) { Query = "v=10&encoding=json" };
        return builder.Uri;
    }

    private readonly record struct Frame(JsonElement Json, bool Close);

    /// <param name="Reason">The reconnect's <c>reason</c> tag when the close code does not tell it (op 7, op 9, a zombie, no Hello).</param>
    private sealed record ConnectionResult(ReconnectAction Action, int? CloseCode, bool Healthy, bool Immediate, string? Reason = null);

    private sealed class ConnectionState(ClientWebSocket socket, GatewaySendLimiter limiter)
    {
        public ClientWebSocket Socket { get; } = socket;

        public GatewaySendLimiter Limiter { get; } = limiter;

        public SemaphoreSlim SendGate { get; } = new(1, 1);

        public volatile bool Acknowledged = true;

        public volatile bool Zombie;

        public bool HelloReceived { get; set; }

        public bool Healthy { get; set; }

        public Task? HeartbeatLoop { get; set; }

        public Task? Identify { get; set; }
    }
}
