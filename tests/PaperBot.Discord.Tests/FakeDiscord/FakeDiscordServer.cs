using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PaperBot.Discord.Tests.FakeDiscord;

/// <summary>An interaction the fake dispatched, and what the client did with it.</summary>
internal sealed class FakeInteraction(string id, string token, string applicationId, DateTimeOffset dispatchedAt)
{
    public string Id { get; } = id;

    public string Token { get; } = token;

    public string ApplicationId { get; } = applicationId;

    public DateTimeOffset DispatchedAt { get; } = dispatchedAt;

    public ConcurrentQueue<JsonObject> Callbacks { get; } = new();

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp just before the INTERACTION_CREATE frame was sent.</summary>
    public long SentTimestamp { get; set; }

    /// <summary>Stopwatch timestamp when the first callback arrived.</summary>
    public long CallbackTimestamp { get; set; }

    public int? AcknowledgedWith { get; set; }

    public JsonObject? Original { get; set; }

    public bool OriginalDeleted { get; set; }

    public ConcurrentQueue<JsonObject> Followups { get; } = new();

    public ConcurrentQueue<JsonObject> Edits { get; } = new();

    /// <summary>Every message body (callback data, edits, followups) for validation.</summary>
    public IEnumerable<JsonObject> Messages =>
        Callbacks.Select(c => c["data"] as JsonObject).OfType<JsonObject>().Where(d => d.ContainsKey("content") || d.ContainsKey("embeds"))
            .Concat(Edits).Concat(Followups);
}

/// <summary>
/// A fake Discord on 127.0.0.1: REST routes (v10) with Discord's rate-limit headers and 429s, message
/// validation against the OpenAPI description and documented limits, interaction deadlines (3 s, 15 min,
/// double acknowledgement), command registration rules, and a WebSocket gateway (see <see cref="FakeGateway"/>).
/// Two listeners: the main one and a second one used as <c>resume_gateway_url</c>.
/// </summary>
internal sealed partial class FakeDiscordServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly ConcurrentDictionary<string, FakeInteraction> _interactions = new();
    private readonly ConcurrentDictionary<string, JsonArray> _commands = new();
    private int _nextId = 1000;

    private FakeDiscordServer(WebApplication app)
    {
        _app = app;
        Gateway = new FakeGateway(this);
    }

    public string Token { get; init; } = "fake-bot-token.MTE3ODAxMjc4NzQ1NzQwMDgzMg";

    public string ApplicationId { get; } = "1178012787457400832";

    public int MainPort { get; private set; }

    public int ResumePort { get; private set; }

    public string ApiBaseUrl => $"http://127.0.0.1:{MainPort}/api/v10";

    public string GatewayUrl => $"ws://127.0.0.1:{MainPort}/gateway";

    public string ResumeGatewayUrl => $"ws://127.0.0.1:{ResumePort}/gateway";

    public FakeGateway Gateway { get; }

    public FakeRateLimits RateLimits { get; } = new();

    /// <summary>The fake's clock for deadlines (interaction 3 s window, 15-minute tokens).</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    public TimeSpan InteractionDeadline { get; set; } = TimeSpan.FromSeconds(3);

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Recommended shard count returned by <c>GET /gateway/bot</c>.</summary>
    public int RecommendedShards { get; set; } = 1;

    public int SessionStartRemaining { get; set; } = 999;

    public int SessionStartResetAfterMs { get; set; } = 14_400_000;

    public int CommandCreatesToday { get; private set; }

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToList();

    /// <summary>Everything the client did that real Discord would reject or punish.</summary>
    public IReadOnlyList<string> Violations => _violations.ToList();

    public IReadOnlyCollection<FakeInteraction> Interactions => _interactions.Values.ToList();

    public JsonArray? RegisteredCommands(string? guildId = null) =>
        _commands.TryGetValue(guildId ?? "global", out var commands) ? commands : null;

    public void Violation(string what) => _violations.Enqueue(what);

    public static async Task<FakeDiscordServer> StartAsync(string? token = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var server = token is null ? new FakeDiscordServer(app) : new FakeDiscordServer(app) { Token = token };
        app.UseWebSockets();
        app.Map("/gateway", server.GatewayAsync);
        app.Map("/api/v10/{**path}", server.RestAsync);
        await app.StartAsync();
        var ports = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
            .Addresses.Select(a => new Uri(a).Port).ToArray();
        server.MainPort = ports[0];
        server.ResumePort = ports[1];
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        ReleaseHolds();
        foreach (var connection in Gateway.Connections.Where(c => !c.Ended))
        {
            connection.Drop();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    /// <summary>Builds an INTERACTION_CREATE from the documented slash-command payload and dispatches it on the gateway.</summary>
    public async Task<FakeInteraction> DispatchCommandAsync(string name, JsonArray? options = null, int type = 2, string? id = null, string? guildId = null)
    {
        var interaction = NewInteraction(name, options, type, id, guildId);
        interaction.Fake.SentTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
        await Gateway.DispatchAsync("INTERACTION_CREATE", interaction.Json);
        return interaction.Fake;
    }

    /// <summary>
    /// Creates (and registers for deadline tracking) an interaction body without sending it; from
    /// <paramref name="guildId"/> when given, otherwise from the guild of the documented payload.
    /// </summary>
    public (JsonObject Json, FakeInteraction Fake) NewInteraction(string name, JsonArray? options = null, int type = 2, string? id = null, string? guildId = null)
    {
        var json = FakePayloads.LoadObject("interaction-slash-command.json");
        id ??= (787053080478613555L + Interlocked.Increment(ref _nextId)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var token = "aW50ZXJhY3Rpb246" + Guid.NewGuid().ToString("N");
        json["id"] = id;
        json["token"] = token;
        json["type"] = type;
        json["application_id"] = ApplicationId;
        json["version"] = 1;
        json["data"]!["name"] = name;
        json["data"]!["options"] = options ?? [];
        if (guildId is not null)
        {
            json["guild_id"] = guildId;
        }

        var fake = _interactions.GetOrAdd(id, _ => new FakeInteraction(id, token, ApplicationId, Clock.GetUtcNow()));
        return (json, fake);
    }

    public FakeInteraction? Interaction(string id) => _interactions.TryGetValue(id, out var i) ? i : null;

    /// <summary>Waits (polling) until <paramref name="condition"/> holds; throws a TimeoutException with <paramref name="what"/> otherwise.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for: {what}");
            }

            await Task.Delay(10);
        }
    }

    private async Task GatewayAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest || context.Connection.LocalPort == Gateway.RejectPort)
        {
            context.Response.StatusCode = 400;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        await Gateway.HandleAsync(socket, context.Connection.LocalPort, context.Request.QueryString.Value ?? "");
    }

    private async Task RestAsync(HttpContext context)
    {
        var path = "/" + (string?)context.Request.RouteValues["path"];
        var rawPath = context.Request.Path.Value ?? path;
        if (rawPath.StartsWith("/api/v10", StringComparison.Ordinal))
        {
            path = rawPath["/api/v10".Length..];
        }

        var method = context.Request.Method;
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var (template, major, values) = FakeRoutes.Match(path);
        if (!await PassHoldsAsync(method, template, values, headers, context.RequestAborted))
        {
            return; // held until its client went away: never handled, as if lost in flight (FakeDiscordServer.Holds.cs)
        }

        var now = Clock.GetUtcNow();
        Reply response;
        try
        {
            response = Handle(method, path, template, major, values, headers, body, now);
        }
        catch (Exception ex)
        {
            Violation($"fake Discord failed on {method} {template}: {ex}");
            response = Reply.Error(500, 0, "500: Internal Server Error");
        }

        _requests.Enqueue(new RecordedRequest(method, path, template, major, headers, body, now, response.Status));
        context.Response.StatusCode = response.Status;
        foreach (var (name, value) in response.Headers)
        {
            context.Response.Headers[name] = value;
        }

        if (response.Body is not null)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(response.Body);
        }
    }

    private sealed record Reply(int Status, string? Body, Dictionary<string, string> Headers)
    {
        public static Reply Json(int status, JsonNode? body) => new(status, body?.ToJsonString(), []);

        public static Reply Error(int status, int code, string message, JsonNode? errors = null)
        {
            var json = new JsonObject { ["code"] = code, ["message"] = message };
            if (errors is not null)
            {
                json["errors"] = errors;
            }

            return new Reply(status, json.ToJsonString(), []);
        }

        public static Reply NoContent() => new(204, null, []);
    }

    private Reply Handle(string method, string path, string template, string major, string[] values,
        Dictionary<string, string> headers, string body, DateTimeOffset now)
    {
        if (!headers.TryGetValue("User-Agent", out var ua) || !ua.StartsWith("DiscordBot (", StringComparison.Ordinal))
        {
            Violation($"{method} {template} without a 'DiscordBot (url, version)' User-Agent: '{ua}'");
        }

        if (body.Length > 0 && (!headers.TryGetValue("Content-Type", out var ct) || !ct.StartsWith("application/json", StringComparison.Ordinal)))
        {
            Violation($"{method} {template} body without Content-Type application/json");
            return Reply.Error(400, 50035, "Invalid Form Body");
        }

        var interactionRoute = template.StartsWith("/interactions/", StringComparison.Ordinal) || template.StartsWith("/webhooks/", StringComparison.Ordinal);
        if (template != "/gateway" && !interactionRoute && (!headers.TryGetValue("Authorization", out var auth) || auth != "Bot " + Token))
        {
            return Reply.Error(401, 0, "401: Unauthorized");
        }

        var scripted = RateLimits.TakeScripted(method, template);
        if (scripted is not null)
        {
            return new Reply(scripted.Status, scripted.Body, new Dictionary<string, string>(scripted.Headers));
        }

        if (!interactionRoute && !RateLimits.CountGlobal(now))
        {
            Violation($"more than 50 requests/s (global limit) at {method} {template}");
        }

        var (allowed, rateHeaders) = RateLimits.Take(template, major, now);
        if (!allowed)
        {
            Violation($"{method} {template} sent while its bucket {rateHeaders["X-RateLimit-Bucket"]} was exhausted");
            var retry = double.Parse(rateHeaders["X-RateLimit-Reset-After"], System.Globalization.CultureInfo.InvariantCulture);
            return new Reply(429, new JsonObject { ["message"] = "You are being rate limited.", ["retry_after"] = retry, ["global"] = false }.ToJsonString(), rateHeaders);
        }

        var reply = Route(method, template, values, body, now);
        foreach (var (k, v) in rateHeaders)
        {
            reply.Headers[k] = v;
        }

        return reply;
    }

    private Reply Route(string method, string template, string[] values, string body, DateTimeOffset now)
    {
        JsonNode? json = body.Length == 0 ? null : JsonNode.Parse(body);
        if (RouteChannelMessages(method, template, values, json) is { } channelReply)
        {
            return channelReply; // FakeDiscordServer.Channels.cs
        }

        switch ((method, template))
        {
            case ("GET", "/gateway"):
                return Reply.Json(200, new JsonObject { ["url"] = GatewayUrl });

            case ("GET", "/gateway/bot"):
            {
                var payload = FakePayloads.LoadObject("rest-get-gateway-bot-response.json");
                payload["url"] = GatewayUrl;
                payload["shards"] = RecommendedShards;
                payload["session_start_limit"]!["remaining"] = SessionStartRemaining;
                payload["session_start_limit"]!["reset_after"] = SessionStartResetAfterMs;
                return Reply.Json(200, payload);
            }

            case ("GET", "/applications/@me"):
                return Reply.Json(200, new JsonObject { ["id"] = ApplicationId, ["name"] = "PaperBot (fake)", ["bot_public"] = true });

            case ("GET", "/applications/{application_id}/commands"):
            case ("GET", "/applications/{application_id}/guilds/{guild_id}/commands"):
                return Reply.Json(200, (_commands.TryGetValue(values.Length > 1 ? values[1] : "global", out var list) ? list : new JsonArray()).DeepClone());

            case ("PUT", "/applications/{application_id}/commands"):
            case ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands"):
                return PutCommands(template, values, json);

            case ("POST", "/interactions/{interaction_id}/{interaction_token}/callback"):
                return Callback(template, values[0], values[1], json, now);

            case ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"):
            case ("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"):
            case ("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"):
                return Original(method, template, values[1], json, now);

            case ("POST", "/webhooks/{webhook_id}/{webhook_token}"):
                return Followup(template, values[1], json, now);

            case ("GET", "/channels/{channel_id}"):
                return Reply.Json(200, new JsonObject { ["id"] = values[0], ["type"] = 0, ["name"] = "general" });

            default:
                return RouteConversations(method, template, values, json) ?? Reply.Error(404, 0, "404: Not Found");
        }
    }

    private Reply? ValidateMessage(string method, string template, JsonNode? json, bool allowEmpty = false)
    {
        var problems = MessageValidator.ValidateMessageLimits(json, allowEmpty).Concat(MessageValidator.ValidateSchema(method, template, json)).ToList();
        if (problems.Count == 0)
        {
            return null;
        }

        foreach (var problem in problems)
        {
            Violation($"{method} {template}: {problem}");
        }

        return Reply.Error(400, 50035, "Invalid Form Body", new JsonObject { ["_errors"] = new JsonArray(problems.Select(p => (JsonNode)new JsonObject { ["code"] = "INVALID", ["message"] = p }).ToArray()) });
    }

    private FakeInteraction? FindByToken(string token) => _interactions.Values.FirstOrDefault(i => i.Token == token);

    private Reply Callback(string template, string id, string token, JsonNode? json, DateTimeOffset now)
    {
        if (!_interactions.TryGetValue(id, out var interaction) || interaction.Token != token)
        {
            return Reply.Error(404, 10062, "Unknown interaction");
        }

        if (now - interaction.DispatchedAt > InteractionDeadline)
        {
            Violation($"interaction {id} acknowledged after {(now - interaction.DispatchedAt).TotalMilliseconds:0} ms (deadline {InteractionDeadline.TotalMilliseconds} ms)");
            return Reply.Error(404, 10062, "Unknown interaction");
        }

        lock (interaction)
        {
            if (interaction.AcknowledgedWith is not null)
            {
                Violation($"interaction {id} acknowledged twice");
                return Reply.Error(400, 40060, "Interaction has already been acknowledged.");
            }

            var schemaProblems = MessageValidator.ValidateSchema("POST", template, json);
            var type = json?["type"]?.GetValue<int>() ?? 0;
            var problems = schemaProblems.ToList();
            if (type is 4 && json?["data"] is JsonObject data)
            {
                problems.AddRange(MessageValidator.ValidateMessageLimits(data));
            }
            else if (type is 4)
            {
                problems.Add("type 4 without data");
            }

            if (type is 5 && json?["data"]?["flags"] is JsonNode flags && (flags.GetValue<int>() & ~64) != 0)
            {
                problems.Add("type 5 allows only the EPHEMERAL flag");
            }

            if (type is 8)
            {
                var choices = json?["data"]?["choices"] as JsonArray;
                if (choices is null || choices.Count > 25)
                {
                    problems.Add($"autocomplete result needs 0-25 choices, got {choices?.Count}");
                }

                foreach (var choice in choices ?? [])
                {
                    var name = choice?["name"]?.GetValue<string>() ?? "";
                    var value = choice?["value"]?.ToString() ?? "";
                    if (name.Length is < 1 or > 100 || value.Length > 100)
                    {
                        problems.Add($"autocomplete choice out of bounds: '{name}'");
                    }
                }
            }

            if (type is not (1 or 4 or 5 or 6 or 7 or 8 or 9))
            {
                problems.Add($"unknown callback type {type}");
            }

            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    Violation($"callback {id}: {problem}");
                }

                return Reply.Error(400, 50035, "Invalid Form Body");
            }

            interaction.CallbackTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
            interaction.AcknowledgedWith = type;
            interaction.Callbacks.Enqueue(json!.AsObject());
            if (type == 4)
            {
                interaction.Original = json["data"]!.AsObject();
            }
        }

        return Reply.NoContent();
    }

    private Reply? CheckToken(FakeInteraction? interaction, DateTimeOffset now)
    {
        if (interaction is null || interaction.AcknowledgedWith is null)
        {
            return Reply.Error(404, 10015, "Unknown Webhook");
        }

        if (now - interaction.DispatchedAt > TokenLifetime)
        {
            Violation($"interaction {interaction.Id} used after its token expired");
            return Reply.Error(401, 50027, "Invalid Webhook Token");
        }

        return null;
    }

    private Reply Original(string method, string template, string token, JsonNode? json, DateTimeOffset now)
    {
        var interaction = FindByToken(token);
        if (CheckToken(interaction, now) is { } error)
        {
            return error;
        }

        switch (method)
        {
            case "GET":
                return interaction!.Original is { } original ? Reply.Json(200, MessageObject("1", original)) : Reply.Error(404, 10008, "Unknown Message");
            case "DELETE":
                interaction!.OriginalDeleted = true;
                return Reply.NoContent();
            default:
                if (ValidateMessage("PATCH", template, json) is { } invalid)
                {
                    return invalid;
                }

                if (json?["flags"] is not null)
                {
                    Violation("PATCH @original with flags (ephemerality is fixed at creation)");
                }

                interaction!.Edits.Enqueue(json!.AsObject());
                interaction.Original = json.AsObject();
                return Reply.Json(200, MessageObject("1", json.AsObject()));
        }
    }

    private Reply Followup(string template, string token, JsonNode? json, DateTimeOffset now)
    {
        var interaction = FindByToken(token);
        if (CheckToken(interaction, now) is { } error)
        {
            return error;
        }

        if (ValidateMessage("POST", template, json) is { } invalid)
        {
            return invalid;
        }

        interaction!.Followups.Enqueue(json!.AsObject());
        return Reply.Json(200, MessageObject("1", json.AsObject()));
    }

    private JsonObject MessageObject(string channelId, JsonObject sent)
    {
        var message = new JsonObject
        {
            ["id"] = (1095661440997806172L + Interlocked.Increment(ref _nextId)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["channel_id"] = channelId,
            ["type"] = 0,
            ["content"] = sent["content"]?.DeepClone() ?? "",
            ["embeds"] = sent["embeds"]?.DeepClone() ?? new JsonArray(),
            ["flags"] = sent["flags"]?.DeepClone() ?? 0,
        };
        return message;
    }

    private Reply PutCommands(string template, string[] values, JsonNode? json)
    {
        var problems = MessageValidator.ValidateSchema("PUT", template, json).ToList();
        var previous = _commands.TryGetValue(values.Length > 1 ? values[1] : "global", out var existing) ? existing : [];
        var stored = new JsonArray();
        foreach (var command in (json as JsonArray ?? []).OfType<JsonObject>())
        {
            problems.AddRange(CommandRules.Check(command));
            var name = command["name"]?.GetValue<string>();
            var old = previous.OfType<JsonObject>().FirstOrDefault(c => c["name"]?.GetValue<string>() == name);
            if (old is null)
            {
                CommandCreatesToday++;
            }

            var copy = command.DeepClone().AsObject();
            copy["id"] = old?["id"]?.DeepClone() ?? (1095661440997806172L + Interlocked.Increment(ref _nextId)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            copy["application_id"] = ApplicationId;
            copy["version"] = (1095661440997806172L + Interlocked.Increment(ref _nextId)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            // Discord answers with the permission bits as a string (null when none were set).
            copy["default_member_permissions"] = command["default_member_permissions"] is JsonNode bits ? bits.ToString() : null;
            copy["type"] ??= 1;
            stored.Add(copy);
        }

        if (CommandCreatesToday > 200)
        {
            return Reply.Error(429, 30034, "Max number of daily application command creates has been reached (200)");
        }

        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                Violation($"PUT commands: {problem}");
            }

            return Reply.Error(400, 50035, "Invalid Form Body");
        }

        _commands[values.Length > 1 ? values[1] : "global"] = stored;
        return Reply.Json(200, stored.DeepClone());
    }
}
