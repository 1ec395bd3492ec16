namespace PaperBot.AI.ModelEndpoint;

/// <summary>
/// The language model endpoint and the assistant's limits. Section <c>Ai</c>.
/// With no <see cref="Endpoint"/> the assistant runs in extractive mode (no model calls).
/// </summary>
public sealed class AiOptions
{
    public const string SectionName = "Ai";

    /// <summary>Base URL of an OpenAI-compatible API, ending in <c>/v1</c> (OpenAI, Azure OpenAI v1, Ollama, vLLM, llama.cpp).</summary>
    public string? Endpoint { get; set; }

    /// <summary>Chat model name, for example <c>gpt-4o-mini</c> or <c>llama3.1:8b</c>. Required with an endpoint.</summary>
    public string? Model { get; set; }

    /// <summary>API key. Only from the environment (<c>Ai__ApiKey</c>) or user secrets, never appsettings.json. Optional for loopback endpoints.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Optional embedding model on the same endpoint; replaces the local embedding model.</summary>
    public string? EmbeddingModel { get; set; }

    /// <summary>Timeout of one attempt; generous because a long answer can take a while.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Timeout of a whole call, retries and waits included.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(180);

    /// <summary>Retries after the first attempt, on 408/429/5xx, timeouts and connection failures.</summary>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>First backoff delay; doubles with each retry, with jitter. A <c>Retry-After</c> header takes precedence.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest wait between attempts, <c>Retry-After</c> included.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Window over which the circuit breaker measures failures; at least twice <see cref="AttemptTimeout"/>.</summary>
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(150);

    /// <summary>Failure ratio in the sampling window that opens the circuit.</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Calls needed in the window before the breaker may open.</summary>
    public int BreakerMinimumThroughput { get; set; } = 4;

    /// <summary>How long the circuit stays open; meanwhile the assistant answers extractively.</summary>
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Token budget for the numbered passages put in a prompt.</summary>
    public int ContextTokenBudget { get; set; } = 3000;

    /// <summary>Passages retrieved for a question (before packing).</summary>
    public int PassagesPerQuestion { get; set; } = 8;

    /// <summary>
    /// Below this cosine similarity of the question to the best passage the assistant abstains
    /// ("the collection doesn't cover this") without calling the model. Calibrated on the dev questions.
    /// </summary>
    public double AbstainSimilarity { get; set; } = 0.30;

    /// <summary>
    /// Below this evidence the assistant abstains too: over the passages found, the best of its closest sentence's
    /// similarity to the question plus a tenth of the share of the question's words (weighted by rarity in the
    /// library) that the passage contains. Names, acronyms and numbers in the
    /// question must also appear in a passage about the rest of it. Calibrated on a calibration split of
    /// out-of-scope questions and the dev questions (README, "Abstaining").
    /// </summary>
    public double AbstainEvidence { get; set; } = 0.52;

    /// <summary>
    /// Offer the library plugin (search papers, get a paper, list recent papers) to the model as tools.
    /// Turn off for local models without tool support (their endpoint rejects the request).
    /// </summary>
    public bool FunctionCalling { get; set; } = true;

    /// <summary>Folder holding the prompt folders, relative to the application folder.</summary>
    public string PromptsPath { get; set; } = "prompts";

    /// <summary>True when a model endpoint is configured.</summary>
    public bool HasEndpoint => !string.IsNullOrWhiteSpace(Endpoint);
}
