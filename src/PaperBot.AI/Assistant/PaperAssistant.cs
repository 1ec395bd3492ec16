using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using PaperBot.AI.Extractive;
using PaperBot.AI.Grounding;
using PaperBot.AI.ModelEndpoint;
using PaperBot.AI.Prompts;
using PaperBot.Core;
using PaperBot.Core.Assistant;
using PaperBot.Core.Library;
using PaperBot.Core.Search;

namespace PaperBot.AI.Assistant;

/// <summary>
/// The assistant: retrieves, abstains when the library does not cover a question, and otherwise
/// answers with the model (grounded, cited) or, without one, extractively.
/// </summary>
internal sealed class PaperAssistant(
    IResearchLibrary library,
    ModelGateway model,
    PassagePacker packer,
    CitationPostProcessor citations,
    ExtractiveComposer extractive,
    IOptions<AiOptions> options,
    ILogger<PaperAssistant> logger) : IPaperAssistant
{
    private const int MaxQuestionLength = 1000;
    private const int HistoryTurns = 3;
    private const int NearestPapers = 3;

    public async Task<AssistantAnswer> AskAsync(AskRequest request, CancellationToken cancellationToken = default)
    {
        var (question, hits, abstained) = await RetrieveAsync(request, cancellationToken);
        if (abstained is not null)
        {
            return abstained;
        }

        string? fallbackNote = null;
        if (model.IsAvailable && !request.ExtractiveOnly)
        {
            try
            {
                var (packed, arguments) = BuildAnswerArguments(request, question, hits);
                var reply = await model.CompleteAsync(PromptCatalog.Answer, arguments, cancellationToken);
                return Finish(reply, packed);
            }
            catch (ModelUnavailableException e)
            {
                fallbackNote = e.Message;
            }
        }

        return await ExtractiveAnswerAsync(question, hits, fallbackNote, cancellationToken);
    }

    public async IAsyncEnumerable<AnswerUpdate> AskStreamingAsync(AskRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (question, hits, abstained) = await RetrieveAsync(request, cancellationToken);
        if (abstained is not null)
        {
            yield return new AnswerUpdate(abstained.Text);
            yield return new AnswerUpdate("", abstained);
            yield break;
        }

        string? fallbackNote = null;
        if (model.IsAvailable && !request.ExtractiveOnly)
        {
            var (packed, arguments) = BuildAnswerArguments(request, question, hits);
            var text = new StringBuilder();
            var enumerator = model.StreamAsync(PromptCatalog.Answer, arguments, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    try
                    {
                        if (!await enumerator.MoveNextAsync())
                        {
                            break;
                        }
                    }
                    catch (ModelUnavailableException e) when (text.Length == 0)
                    {
                        // Nothing shown yet: the extractive answer can still take its place.
                        fallbackNote = e.Message;
                        break;
                    }

                    text.Append(enumerator.Current);
                    yield return new AnswerUpdate(enumerator.Current);
                }
            }
            finally
            {
                await enumerator.DisposeAsync();
            }

            if (fallbackNote is null)
            {
                yield return new AnswerUpdate("", Finish(text.ToString(), packed));
                yield break;
            }
        }

        var answer = await ExtractiveAnswerAsync(question, hits, fallbackNote, cancellationToken);
        yield return new AnswerUpdate(answer.Text);
        yield return new AnswerUpdate("", answer);
    }

    public async Task<SummaryResult> SummarizeAsync(string paper, SummaryLevel level, bool extractiveOnly = false, CancellationToken cancellationToken = default)
    {
        var found = await library.ResolveAsync(RequireReference(paper), cancellationToken);
        var levelName = level.ToString().ToLowerInvariant();
        string? fallbackNote = null;
        if (model.IsAvailable && !extractiveOnly)
        {
            var key = new SummaryCacheKey(found.Id, levelName, model.Prompt(PromptCatalog.Summarize).Version, model.Model);
            if (await library.GetCachedSummaryAsync(key, cancellationToken) is { } cached)
            {
                logger.SummaryFromCache(found.Id, levelName);
                return new SummaryResult(found.Id, found.Title, found.Link, level, AnswerMode.Generated, cached, FromCache: true);
            }

            try
            {
                var arguments = new KernelArguments
                {
                    ["level"] = levelName,
                    ["paper"] = UntrustedText.PaperBlock(found, FitToBudget(PaperBody(found))),
                };
                var text = (await model.CompleteAsync(PromptCatalog.Summarize, arguments, cancellationToken)).Trim();
                if (text.Length > 0)
                {
                    await library.SetCachedSummaryAsync(key, text, cancellationToken);
                    return new SummaryResult(found.Id, found.Title, found.Link, level, AnswerMode.Generated, text, FromCache: false);
                }

                fallbackNote = "The model returned an empty summary.";
            }
            catch (ModelUnavailableException e)
            {
                fallbackNote = e.Message;
            }
        }

        var summary = await extractive.SummarizeAsync(found, level, cancellationToken);
        return new SummaryResult(found.Id, found.Title, found.Link, level, AnswerMode.Extractive, WithNote(fallbackNote, summary), FromCache: false);
    }

    public async Task<ComparisonResult> CompareAsync(IReadOnlyList<string> papers, bool extractiveOnly = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(papers);
        if (papers.Count is < 2 or > 5)
        {
            throw new UserFacingException($"Compare takes 2 to 5 papers (got {papers.Count}).");
        }

        var found = new List<Paper>();
        foreach (var reference in papers)
        {
            found.Add(await library.ResolveAsync(RequireReference(reference), cancellationToken));
        }

        if (found.DistinctBy(p => p.Id).Count() != found.Count)
        {
            throw new UserFacingException("Compare needs different papers: the same paper was given twice.");
        }

        var references = found.Select(p => new PaperReference(p.Id, p.Title, p.Link, 0)).ToList();
        string? fallbackNote = null;
        if (model.IsAvailable && !extractiveOnly)
        {
            try
            {
                var perPaperBudget = options.Value.ContextTokenBudget / found.Count;
                var arguments = new KernelArguments
                {
                    ["papers"] = string.Join("\n", found.Select(p => UntrustedText.PaperBlock(p, FitToBudget(PaperBody(p), perPaperBudget)))),
                    ["paper_ids"] = string.Join(", ", found.Select(p => p.Id)),
                };
                var reply = await model.CompleteAsync(PromptCatalog.Compare, arguments, cancellationToken);
                if (ComparisonParser.TryParse(reply, found, out var rows, out var differences, out var problem))
                {
                    return new ComparisonResult(references, rows, differences, AnswerMode.Generated);
                }

                logger.MalformedComparison(problem);
                fallbackNote = $"The model's comparison was malformed ({problem}); showing an extractive comparison instead.";
            }
            catch (ModelUnavailableException e)
            {
                fallbackNote = e.Message;
            }
        }

        var (extractiveRows, keyDifferences) = await extractive.CompareAsync(found, cancellationToken);
        return new ComparisonResult(references, extractiveRows, WithNote(fallbackNote, keyDifferences), AnswerMode.Extractive);
    }

    private async Task<(string Question, IReadOnlyList<PassageHit> Hits, AssistantAnswer? Abstained)> RetrieveAsync(AskRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var question = request.Question?.Trim() ?? "";
        if (question.Length == 0)
        {
            throw new UserFacingException("Ask a question, for example: /ask question:How do small models learn to write stories?");
        }

        if (question.Length > MaxQuestionLength)
        {
            throw new UserFacingException($"The question is too long ({question.Length} characters; at most {MaxQuestionLength}).");
        }

        var (query, asked) = await StandaloneQuestionAsync(question, request.History, request.ExtractiveOnly, cancellationToken);
        var hits = await library.SearchPassagesAsync(query, options.Value.PassagesPerQuestion, cancellationToken);
        var best = hits.Count == 0 ? double.NegativeInfinity : hits.Max(h => h.Similarity);
        logger.Retrieved(hits.Count, best, options.Value.AbstainSimilarity);
        if (best >= options.Value.AbstainSimilarity)
        {
            var sentenceSimilarities = await extractive.ClosestSentenceSimilaritiesAsync(query, [.. hits.Take(QuestionEvidence.SentencePassages)], cancellationToken);
            var verdict = await QuestionEvidence.AssessAsync(asked, hits, sentenceSimilarities, library, options.Value.AbstainEvidence, cancellationToken);
            logger.Evidence(verdict.Evidence, options.Value.AbstainEvidence, verdict.Covered ? "answering" : "abstaining");
            logger.EvidenceReason(query, verdict.Reason);
            if (verdict.Covered)
            {
                return (query, hits, null);
            }
        }

        var nearest = await library.SearchAsync(query, NearestPapers, cancellationToken);
        var references = nearest.Select(h => new PaperReference(h.Paper.Id, h.Paper.Title, h.Paper.Link, h.Similarity)).ToList();
        var text = new StringBuilder("The collection doesn't cover this.");
        if (references.Count > 0)
        {
            text.Append(" The nearest papers it has are:");
            foreach (var paper in references)
            {
                text.Append("\n- ").Append(paper.Title).Append(" (").Append(paper.PaperId).Append(')');
            }
        }

        return (query, hits, new AssistantAnswer(text.ToString(), AnswerMode.Abstained, [], references));
    }

    // A follow-up ("what data did they use?") is searched as a standalone question: the model's rewrite, or without a
    // model the previous question's content words plus the follow-up. Asked is what the evidence check weighs: the
    // rewrite, or the follow-up itself (the previous question's words only steer retrieval; "And how does that compare
    // to MoE?" asks about MoE, and passages on MoE need not repeat the earlier question).
    private async Task<(string Query, string Asked)> StandaloneQuestionAsync(
        string question, IReadOnlyList<ConversationTurn>? history, bool extractiveOnly, CancellationToken cancellationToken)
    {
        if (history is not { Count: > 0 })
        {
            return (question, question);
        }

        if (model.IsAvailable && !extractiveOnly)
        {
            try
            {
                var rewritten = await model.CompleteAsync(PromptCatalog.RewriteQuestion, new KernelArguments
                {
                    ["question"] = question,
                    ["history"] = FormatHistory(history),
                }, cancellationToken);
                rewritten = rewritten.Trim().Trim('"').Trim();
                if (rewritten.Length is > 0 and <= MaxQuestionLength && !rewritten.Contains('\n', StringComparison.Ordinal))
                {
                    logger.FollowUpRewritten(rewritten);
                    return (rewritten, rewritten);
                }
            }
            catch (ModelUnavailableException e)
            {
                logger.FollowUpRewriteUnavailable(e.Message);
            }
        }

        var context = string.Join(' ', QuestionEvidence.Terms(history[^1].Question).Select(t => t.Word));
        return (context.Length == 0 ? question : context + " " + question, question);
    }

    private (PackedPassages Packed, KernelArguments Arguments) BuildAnswerArguments(AskRequest request, string question, IReadOnlyList<PassageHit> hits)
    {
        var packed = packer.Pack(hits, options.Value.ContextTokenBudget);
        var arguments = options.Value.FunctionCalling ? [] : new KernelArguments(WithoutTools(model.Prompt(PromptCatalog.Answer)));
        arguments["question"] = request.Question.Trim();
        arguments["history"] = request.History is { Count: > 0 } history ? FormatHistory(history) : "(none)";
        arguments["passages"] = packed.PromptText;
        logger.Packed(packed.Passages.Count, packed.Tokens, question);
        return (packed, arguments);
    }

    private static PromptExecutionSettings WithoutTools(LoadedPrompt prompt)
    {
        var settings = prompt.Config.DefaultExecutionSettings?.Clone() ?? new PromptExecutionSettings();
        settings.FunctionChoiceBehavior = null;
        return settings;
    }

    private AssistantAnswer Finish(string reply, PackedPassages packed)
    {
        var cited = citations.Process(reply, packed.Passages);
        return new AssistantAnswer(cited.Text, AnswerMode.Generated, cited.Citations, []);
    }

    private async Task<AssistantAnswer> ExtractiveAnswerAsync(string question, IReadOnlyList<PassageHit> hits, string? fallbackNote, CancellationToken cancellationToken)
    {
        var (text, cited) = await extractive.AnswerAsync(question, hits, cancellationToken);
        return new AssistantAnswer(WithNote(fallbackNote, text), AnswerMode.Extractive, cited, []);
    }

    private static string WithNote(string? note, string text) => note is null ? text : $"*{note} Showing the extractive version.*\n\n{text}";

    private static string FormatHistory(IReadOnlyList<ConversationTurn> history) =>
        string.Join("\n", history.TakeLast(HistoryTurns).Select(t => $"User: {t.Question}\nAssistant: {t.Answer}"));

    private static string PaperBody(Paper paper) =>
        string.IsNullOrWhiteSpace(paper.FullText) ? $"Abstract: {paper.Abstract}" : $"Abstract: {paper.Abstract}\n\nText:\n{paper.FullText}";

    private string FitToBudget(string text, int? budget = null)
    {
        var limit = budget ?? options.Value.ContextTokenBudget;
        return packer.CountTokens(text) <= limit ? text : packer.Truncate(text, limit) + " …";
    }

    private static string RequireReference(string? reference) =>
        string.IsNullOrWhiteSpace(reference)
            ? throw new UserFacingException("Name a paper by id (for example 2305.07759) or by the start of its title.")
            : reference.Trim();
}
