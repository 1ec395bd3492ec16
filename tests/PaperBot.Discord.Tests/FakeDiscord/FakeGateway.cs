using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PaperBot.Discord.Tests.FakeDiscord;

/// <summary>A gateway session (what READY created): its sequence and dispatch history for replay on resume.</summary>
internal sealed class FakeSession(string id, int shardId, int shardCount)
{
    public string Id { get; } = id;

    public int ShardId { get; } = shardId;

    public int ShardCount { get; } = shardCount;

    public long Sequence { get; set; }

    public List<(long Seq, string Type, JsonNode Data)> History { get; } = [];

    public FakeGatewayConnection? Connection { get; set; }

    public bool Invalidated { get; set; }
}

/// <summary>One WebSocket connection from a client to the fake gateway.</summary>
internal sealed class FakeGatewayConnection(int number, WebSocket socket, int port, string query)
{
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly List<JsonObject> _received = [];
    private readonly Queue<DateTimeOffset> _window = new();

    public int Number { get; } = number;

    public WebSocket Socket { get; } = socket;

    /// <summary>The local port the client connected to (main or resume listener).</summary>
    public int Port { get; } = port;

    public string Query { get; } = query;

    public FakeSession? Session { get; set; }

    public bool Identified { get; set; }

    /// <summary>The intents of the identify on this connection.</summary>
    public int Intents { get; set; }

    /// <summary>The close code the client sent, if it closed.</summary>
    public int? ClientCloseCode { get; set; }

    /// <summary>The close code the server sent, if it closed.</summary>
    public int? ServerCloseCode { get; set; }

    public bool Ended { get; set; }

    public int SendFailures { get; set; }

    public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<JsonObject> Received
    {
        get
        {
            lock (_received)
            {
                return _received.ToList();
            }
        }
    }

    public void Record(JsonObject frame)
    {
        lock (_received)
        {
            _received.Add(frame);
        }
    }

    /// <summary>Counts a client frame; false once more than 120 arrived within 60 s.</summary>
    public bool CountSend(DateTimeOffset now)
    {
        lock (_window)
        {
            while (_window.Count > 0 && _window.Peek() <= now - TimeSpan.FromSeconds(60))
            {
                _window.Dequeue();
            }

            _window.Enqueue(now);
            return _window.Count <= 120;
        }
    }

    public IEnumerable<JsonObject> Ops(int op) => Received.Where(f => f["op"]?.GetValue<int>() == op);

    public async Task SendAsync(JsonNode payload)
    {
        var bytes = Encoding.UTF8.GetBytes(payload.ToJsonString());
        await _send.WaitAsync();
        try
        {
            if (Socket.State == WebSocketState.Open)
            {
                try
                {
                    await Socket.SendAsync(bytes, WebSocketMessageType.Text, true, CancellationToken.None);
                }
                catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException)
                {
                    // The client went away meanwhile, as it may on a real gateway.
                    SendFailures++;
                }
            }
        }
        finally
        {
            _send.Release();
        }
    }

    public async Task CloseAsync(int code, string reason = "")
    {
        ServerCloseCode ??= code;
        await _send.WaitAsync();
        try
        {
            if (Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try
                {
                    await Socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, timeout.Token);
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
                {
                    Socket.Abort();
                }
            }
        }
        finally
        {
            _send.Release();
        }
    }

    /// <summary>Drops the TCP connection without a close frame.</summary>
    public void Drop() => Socket.Abort();
}

/// <summary>
/// The fake gateway: Hello, Identify → READY (resume URL on the second port), Resume → replay + RESUMED,
/// heartbeat ACKs, and Discord's enforcement (4002 oversized payload, 4003 not authenticated, 4004 bad token,
/// 4005 second identify, 4007 bad sequence, 4008 more than 120 sends per minute, 4010 bad shard, 4014 privileged intents).
/// </summary>
internal sealed class FakeGateway(FakeDiscordServer server)
{
    private const int PrivilegedIntents = (1 << 1) | (1 << 8) | (1 << 15);
    private readonly ConcurrentDictionary<string, FakeSession> _sessions = new();
    private readonly List<FakeGatewayConnection> _connections = [];
    private int _connectionCount;
    private int _identifies;
    private int _resumes;

    public int HeartbeatIntervalMs { get; set; } = 45000;

    /// <summary>Connections to this port are refused before the WebSocket upgrade (an unreachable gateway node).</summary>
    public int? RejectPort { get; set; }

    /// <summary>When false, heartbeats are not acknowledged (zombie scenario).</summary>
    public bool AckHeartbeats { get; set; } = true;

    /// <summary>Runs before Hello on each new connection (e.g. send op 7 first); return false to skip Hello.</summary>
    public Func<FakeGatewayConnection, Task<bool>>? OnConnect { get; set; }

    /// <summary>Runs on each Identify before READY; return false to withhold READY.</summary>
    public Func<FakeGatewayConnection, JsonObject, Task<bool>>? OnIdentify { get; set; }

    /// <summary>Privileged intents enabled for the application in the (fake) developer portal.</summary>
    public int AllowedPrivilegedIntents { get; set; }

    public int IdentifyCount => Volatile.Read(ref _identifies);

    public int ResumeCount => Volatile.Read(ref _resumes);

    public IReadOnlyList<FakeGatewayConnection> Connections
    {
        get
        {
            lock (_connections)
            {
                return _connections.ToList();
            }
        }
    }

    public FakeSession? CurrentSession => _sessions.Values.LastOrDefault(s => !s.Invalidated);

    public FakeGatewayConnection? Live => Connections.LastOrDefault(c => !c.Ended && c.Session is not null);

    /// <summary>
    /// The shard Discord routes a guild's events to: <c>(guild_id &gt;&gt; 22) % shard_count</c>
    /// (https://discord.com/developers/docs/events/gateway#sharding).
    /// </summary>
    public static int ShardOf(string guildId, int shardCount) =>
        (int)((ulong.Parse(guildId, System.Globalization.CultureInfo.InvariantCulture) >> 22) % (ulong)shardCount);

    /// <summary>
    /// The session of the shard that owns <paramref name="guildId"/> when the bot runs more than one shard (the one
    /// with a live connection first), or null when every session is a single shard's.
    /// </summary>
    public FakeSession? SessionForGuild(string guildId)
    {
        var owners = _sessions.Values
            .Where(s => !s.Invalidated && s.ShardCount > 1 && s.ShardId == ShardOf(guildId, s.ShardCount))
            .ToList();
        return owners.LastOrDefault(s => s.Connection is { Ended: false }) ?? owners.LastOrDefault();
    }

    /// <summary>
    /// Sends a dispatch on the session (or stores it for replay when no connection is live). Without a session, an
    /// event of a guild goes to the shard that owns the guild, as Discord routes it, and only there.
    /// </summary>
    public async Task<long> DispatchAsync(string type, JsonNode data, FakeSession? session = null)
    {
        session ??= (data["guild_id"]?.GetValue<string>() is { } guildId ? SessionForGuild(guildId) : null)
            ?? CurrentSession ?? throw new InvalidOperationException("No gateway session.");
        long seq;
        FakeGatewayConnection? connection;
        lock (session)
        {
            seq = ++session.Sequence;
            session.History.Add((seq, type, data.DeepClone()));
            connection = session.Connection;
        }

        if (connection is { Ended: false })
        {
            await connection.SendAsync(new JsonObject { ["op"] = 0, ["s"] = seq, ["t"] = type, ["d"] = data.DeepClone() });
        }

        return seq;
    }

    /// <summary>Invalidates the session (the next resume gets op 9 false).</summary>
    public void InvalidateSessions()
    {
        foreach (var session in _sessions.Values)
        {
            session.Invalidated = true;
        }
    }

    public async Task HandleAsync(WebSocket socket, int port, string query)
    {
        var connection = new FakeGatewayConnection(Interlocked.Increment(ref _connectionCount), socket, port, query);
        lock (_connections)
        {
            _connections.Add(connection);
        }

        try
        {
            if (!query.Contains("v=10", StringComparison.Ordinal) || !query.Contains("encoding=json", StringComparison.Ordinal))
            {
                server.Violation($"gateway connect without v=10&encoding=json: '{query}'");
                await connection.CloseAsync(4012, "Invalid API version");
                return;
            }

            var hello = OnConnect is null || await OnConnect(connection);
            if (hello && socket.State == WebSocketState.Open)
            {
                var payload = FakePayloads.LoadObject("gateway-hello.json");
                payload["d"]!["heartbeat_interval"] = HeartbeatIntervalMs;
                await connection.SendAsync(payload);
            }

            await ReceiveLoopAsync(connection);
        }
        finally
        {
            connection.Ended = true;
            if (connection.Session?.Connection == connection)
            {
                connection.Session.Connection = null;
            }

            connection.Finished.TrySetResult();
        }
    }

    private async Task ReceiveLoopAsync(FakeGatewayConnection connection)
    {
        var buffer = new byte[16 * 1024];
        while (connection.Socket.State == WebSocketState.Open)
        {
            int count = 0;
            ValueWebSocketReceiveResult result;
            try
            {
                do
                {
                    result = await connection.Socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
                    count += result.Count;
                }
                while (!result.EndOfMessage && count < buffer.Length);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                return;
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                connection.ClientCloseCode = (int?)connection.Socket.CloseStatus;
                return;
            }

            if (count > 4096)
            {
                server.Violation($"gateway payload of {count} bytes (max 4096)");
                await connection.CloseAsync(4002, "Decode error");
                return;
            }

            if (!connection.CountSend(server.Clock.GetUtcNow()))
            {
                server.Violation("more than 120 gateway sends in 60 s");
                await connection.CloseAsync(4008, "Rate limited");
                return;
            }

            JsonObject frame;
            try
            {
                frame = JsonNode.Parse(buffer.AsSpan(0, count))!.AsObject();
            }
            catch (JsonException)
            {
                server.Violation("gateway payload is not JSON");
                await connection.CloseAsync(4002, "Decode error");
                return;
            }

            connection.Record(frame);
            await HandleFrameAsync(connection, frame);
        }
    }

    private async Task HandleFrameAsync(FakeGatewayConnection connection, JsonObject frame)
    {
        var op = frame["op"]?.GetValue<int>() ?? -1;
        switch (op)
        {
            case 1:
                if (AckHeartbeats)
                {
                    await connection.SendAsync(FakePayloads.Load("gateway-heartbeat-ack.json"));
                }

                break;

            case 2:
                await IdentifyAsync(connection, frame["d"]!.AsObject());
                break;

            case 6:
                await ResumeAsync(connection, frame["d"]!.AsObject());
                break;

            default:
                if (!connection.Identified)
                {
                    await connection.CloseAsync(4003, "Not authenticated");
                    return;
                }

                if (op is not (3 or 4 or 8))
                {
                    await connection.CloseAsync(4001, "Unknown opcode");
                }

                break;
        }
    }

    private async Task IdentifyAsync(FakeGatewayConnection connection, JsonObject identify)
    {
        if (connection.Identified)
        {
            await connection.CloseAsync(4005, "Already authenticated");
            return;
        }

        Interlocked.Increment(ref _identifies);
        if (identify["token"]?.GetValue<string>() != server.Token)
        {
            await connection.CloseAsync(4004, "Authentication failed");
            return;
        }

        if (identify["properties"] is not JsonObject properties || properties["os"] is null || properties["browser"] is null || properties["device"] is null)
        {
            server.Violation("identify without properties.os/browser/device");
        }

        var intents = identify["intents"]?.GetValue<int>() ?? -1;
        if (intents < 0)
        {
            await connection.CloseAsync(4013, "Invalid intent(s)");
            return;
        }

        connection.Intents = intents;
        if ((intents & PrivilegedIntents & ~AllowedPrivilegedIntents) != 0)
        {
            await connection.CloseAsync(4014, "Disallowed intent(s)");
            return;
        }

        var shard = identify["shard"] as JsonArray;
        var shardId = shard?[0]?.GetValue<int>() ?? 0;
        var shardCount = shard?[1]?.GetValue<int>() ?? 1;
        if (shardId < 0 || shardId >= shardCount)
        {
            await connection.CloseAsync(4010, "Invalid shard");
            return;
        }

        if (OnIdentify is not null && !await OnIdentify(connection, identify))
        {
            return;
        }

        var session = new FakeSession(Guid.NewGuid().ToString("N"), shardId, shardCount);
        _sessions[session.Id] = session;
        connection.Identified = true;
        connection.Session = session;
        session.Connection = connection;

        var ready = FakePayloads.LoadObject("gateway-dispatch-ready-captured.json")["d"]!.AsObject();
        ready["session_id"] = session.Id;
        ready["resume_gateway_url"] = server.ResumeGatewayUrl;
        ready["application"]!["id"] = server.ApplicationId;
        ready["shard"] = new JsonArray(shardId, shardCount);
        await DispatchAsync("READY", ready, session);
    }

    private async Task ResumeAsync(FakeGatewayConnection connection, JsonObject resume)
    {
        Interlocked.Increment(ref _resumes);
        var sessionId = resume["session_id"]?.GetValue<string>();
        var seq = resume["seq"]?.GetValue<long?>();
        if (resume["token"]?.GetValue<string>() != server.Token)
        {
            await connection.CloseAsync(4004, "Authentication failed");
            return;
        }

        if (sessionId is null || !_sessions.TryGetValue(sessionId, out var session) || session.Invalidated)
        {
            await connection.SendAsync(FakePayloads.Load("gateway-invalid-session.json"));
            return;
        }

        if (seq is null || seq > session.Sequence)
        {
            await connection.CloseAsync(4007, "Invalid seq");
            return;
        }

        connection.Identified = true;
        connection.Session = session;
        List<(long Seq, string Type, JsonNode Data)> missed;
        lock (session)
        {
            session.Connection = connection;
            missed = session.History.Where(h => h.Seq > seq).ToList();
        }

        foreach (var (s, type, data) in missed)
        {
            await connection.SendAsync(new JsonObject { ["op"] = 0, ["s"] = s, ["t"] = type, ["d"] = data.DeepClone() });
        }

        await DispatchAsync("RESUMED", new JsonObject(), session);
    }
}
