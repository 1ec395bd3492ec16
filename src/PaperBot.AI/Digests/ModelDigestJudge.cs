using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;
using PaperBot.AI.Grounding;
using PaperBot.AI.ModelEndpoint;
using PaperBot.AI.Prompts;
using PaperBot.Core.Digests;
using PaperBot.Core.Library;

namespace PaperBot.AI.Digests;

/// <summary>
/// Scores a digest's short list with the model (prompt <c>Digest/Score</c>). The reply must be JSON with an
/// entry per paper, a whole-number score 1-10, a reason and a blurb; anything else is logged and answered
/// with null, so the digest falls back to similarity. Without a model endpoint it answers null at once.
/// </summary>
internal sealed class ModelDigestJudge(ModelGateway model, ILogger<ModelDigestJudge> logger) : IDigestJudge
{
    private const int MaxReason = 200;
    private const int MaxBlurb = 500;

    public async Task<IReadOnlyDictionary<string, DigestJudgement>?> JudgeAsync(string topics, IReadOnlyList<Paper> papers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(papers);
        if (!model.IsAvailable || papers.Count == 0)
        {
            return null;
        }

        var arguments = new KernelArguments
        {
            ["topics"] = UntrustedText.Neutralize(topics),
            ["papers"] = string.Join("\n", papers.Select(p => UntrustedText.PaperBlock(p, p.Abstract))),
            ["paper_ids"] = string.Join(", ", papers.Select(p => p.Id)),
        };
        string reply;
        try
        {
            reply = await model.CompleteAsync(PromptCatalog.DigestScore, arguments, cancellationToken);
        }
        catch (ModelUnavailableException ex)
        {
            logger.LogWarning("Digest scoring: {Reason}; ranking by similarity", ex.Message);
            return null;
        }
        catch (ModelRejectedException ex)
        {
            logger.LogWarning("Digest scoring: {Reason}; ranking by similarity", ex.Message);
            return null;
        }

        if (TryParse(reply, papers, out var verdicts, out var problem))
        {
            return verdicts;
        }

        logger.LogWarning("Digest scoring: the model's reply was malformed ({Problem}); ranking by similarity", problem);
        return null;
    }

    /// <summary>Validates the reply: a JSON object with one entry per paper, score 1-10, non-empty reason.</summary>
    internal static bool TryParse(string reply, IReadOnlyList<Paper> papers, out IReadOnlyDictionary<string, DigestJudgement> verdicts, out string problem)
    {
        verdicts = new Dictionary<string, DigestJudgement>();
        var start = reply.IndexOf('{', StringComparison.Ordinal);
        var end = reply.LastIndexOf('}');
        if (start < 0 || end <= start)
        {
            problem = "no JSON object in the reply";
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(reply[start..(end + 1)]);
            if (!document.RootElement.TryGetProperty("papers", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                problem = "no \"papers\" array";
                return false;
            }

            var result = new Dictionary<string, DigestJudgement>(StringComparer.Ordinal);
            foreach (var paper in papers)
            {
                var entry = list.EnumerateArray().FirstOrDefault(e => e.ValueKind == JsonValueKind.Object
                    && e.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                    && string.Equals(id.GetString()?.Trim(), paper.Id, StringComparison.OrdinalIgnoreCase));
                if (entry.ValueKind != JsonValueKind.Object)
                {
                    problem = $"no entry for {paper.Id}";
                    return false;
                }

                if (!entry.TryGetProperty("score", out var score) || score.ValueKind != JsonValueKind.Number
                    || !score.TryGetInt32(out var value) || value is < 1 or > 10)
                {
                    problem = $"{paper.Id}: score is not a whole number from 1 to 10";
                    return false;
                }

                var reason = entry.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()!.Trim() : "";
                if (reason.Length == 0)
                {
                    problem = $"{paper.Id}: no reason";
                    return false;
                }

                var blurb = entry.TryGetProperty("blurb", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString()!.Trim() : null;
                result[paper.Id] = new DigestJudgement(value, Cut(reason, MaxReason), string.IsNullOrEmpty(blurb) ? null : Cut(blurb, MaxBlurb));
            }

            verdicts = result;
            problem = "";
            return true;
        }
        catch (JsonException ex)
        {
            problem = "invalid JSON: " + ex.Message.Split('.')[0];
            return false;
        }
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
