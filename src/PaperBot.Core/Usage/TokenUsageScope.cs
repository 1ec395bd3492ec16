namespace PaperBot.Core.Usage;

/// <summary>
/// Counts the model tokens (prompt + completion, as the endpoint reports them) spent inside a scope: the caller
/// opens one around an assistant call, the model client adds to <see cref="Current"/>. Flows with the async context.
/// </summary>
public sealed class TokenUsageScope : IDisposable
{
    private static readonly AsyncLocal<TokenUsageScope?> Ambient = new();
    private readonly TokenUsageScope? _parent;
    private long _prompt;
    private long _completion;

    private TokenUsageScope(TokenUsageScope? parent) => _parent = parent;

    /// <summary>The innermost open scope, or null.</summary>
    public static TokenUsageScope? Current => Ambient.Value;

    /// <summary>Prompt tokens counted so far.</summary>
    public long PromptTokens => Interlocked.Read(ref _prompt);

    /// <summary>Completion tokens counted so far.</summary>
    public long CompletionTokens => Interlocked.Read(ref _completion);

    /// <summary>Prompt plus completion tokens.</summary>
    public long Total => PromptTokens + CompletionTokens;

    /// <summary>Opens a scope; dispose it to close.</summary>
    public static TokenUsageScope Begin()
    {
        var scope = new TokenUsageScope(Ambient.Value);
        Ambient.Value = scope;
        return scope;
    }

    /// <summary>Adds one model call's usage to the current scope and its parents.</summary>
    public static void Record(long promptTokens, long completionTokens)
    {
        for (var scope = Ambient.Value; scope is not null; scope = scope._parent)
        {
            Interlocked.Add(ref scope._prompt, Math.Max(0, promptTokens));
            Interlocked.Add(ref scope._completion, Math.Max(0, completionTokens));
        }
    }

    public void Dispose()
    {
        if (Ambient.Value == this)
        {
            Ambient.Value = _parent;
        }
    }
}
