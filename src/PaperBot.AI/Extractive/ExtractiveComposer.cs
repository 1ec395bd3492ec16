using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Memory;
using PaperBot.Core.Assistant;
using PaperBot.Core.Library;
using PaperBot.Core.Search;
using System.Numerics.Tensors;

namespace PaperBot.AI.Extractive;

/// <summary>
/// Answers, summaries and comparisons without a language model: the sentences of the top papers
/// that the embedding model scores closest to the question (or to an aspect), quoted with citations.
/// </summary>
internal sealed partial class ExtractiveComposer(IEmbeddingGenerator<string, Embedding<float>> embedder) : IDisposable
{
    // Sentences are embedded to judge the evidence for a question and again to pick the answer's quotes; the
    // vectors of recent texts are kept so the second time (and a repeated question) costs nothing.
    private const int CachedVectors = 4096;

    private const int MaxAnswerPapers = 4;
    private const int MaxAnswerSentences = 5;
    private const int MaxSentencesPerPaper = 2;
    private const double RelativeKeep = 0.8; // later sentences must score at least this share of the best one
    private const double NearDuplicate = 0.92;

    public const string NotStated = "not stated in the abstract";

    private readonly MemoryCache _vectors = new(new MemoryCacheOptions { SizeLimit = CachedVectors });

    /// <summary>The aspects of a comparison, in table order, each with a probe sentence and cue words.</summary>
    public static IReadOnlyList<(string Aspect, string Probe, Regex? Cue, bool CueRequired)> Aspects { get; } =
    [
        ("Problem", "The problem, challenge or limitation of existing methods that this paper addresses.", ProblemCue(), false),
        ("Method", "We propose a new method, model, framework or approach.", MethodCue(), false),
        ("Data", "The datasets, benchmarks and corpora used in the experiments.", DataCue(), true),
        ("Results", "Experiments show that the method outperforms baselines and improves performance.", ResultsCue(), false),
        ("Limitations", "Limitations, failure cases and remaining challenges.", LimitationsCue(), true),
    ];

    public async Task<(string Text, IReadOnlyList<Citation> Citations)> AnswerAsync(string question, IReadOnlyList<PassageHit> hits, CancellationToken cancellationToken)
    {
        var papers = hits.Select(h => h.Paper).DistinctBy(p => p.Id).Take(MaxAnswerPapers).ToList();
        var candidates = new List<(int PaperRank, int Order, string Sentence)>();
        foreach (var (paper, rank) in papers.Select((p, i) => (p, i)))
        {
            var order = 0;
            IReadOnlyList<string>? fullTextSentences = null;
            foreach (var passage in hits.Where(h => h.Paper.Id == paper.Id).Take(2))
            {
                var sentences = SentenceSplitter.Split(StripTitle(passage.Passage.Text, paper.Title));
                if (passage.Passage.ChunkIndex > 0 && !string.IsNullOrWhiteSpace(paper.FullText))
                {
                    fullTextSentences ??= SentenceSplitter.Split(paper.FullText);
                    sentences = WholeSentences(sentences, fullTextSentences);
                }

                foreach (var sentence in sentences.Where(s => candidates.All(c => c.PaperRank != rank || c.Sentence != s)))
                {
                    candidates.Add((rank, order++, sentence));
                }
            }
        }

        if (candidates.Count == 0)
        {
            return ("*Extractive answer:* the best matching papers have no text to quote.", []);
        }

        var vectors = await EmbedAsync([question, .. candidates.Select(c => c.Sentence)], cancellationToken);
        var scored = candidates
            .Select((c, i) => (c.PaperRank, c.Order, c.Sentence, Vector: vectors[i + 1],
                Score: Cosine(vectors[0], vectors[i + 1]) + (0.03 * (MaxAnswerPapers - c.PaperRank) / MaxAnswerPapers)))
            .OrderByDescending(s => s.Score)
            .ToList();

        var chosen = new List<(int PaperRank, int Order, string Sentence, float[] Vector, double Score)>();
        foreach (var s in scored)
        {
            if (chosen.Count == MaxAnswerSentences || (chosen.Count > 0 && s.Score < scored[0].Score * RelativeKeep))
            {
                break;
            }

            if (chosen.Count(c => c.PaperRank == s.PaperRank) >= MaxSentencesPerPaper || chosen.Any(c => Cosine(c.Vector, s.Vector) > NearDuplicate))
            {
                continue;
            }

            chosen.Add(s);
        }

        // Grouped by paper in rank order, sentences in reading order: quotes read better than a score list.
        var citedRanks = chosen.Select(c => c.PaperRank).Distinct().Order().ToList();
        var numberOf = citedRanks.Select((rank, i) => (rank, n: i + 1)).ToDictionary(x => x.rank, x => x.n);
        var text = new StringBuilder("*Extractive answer (no language model in use): the library's most relevant sentences, quoted.*\n");
        foreach (var c in chosen.OrderBy(c => c.PaperRank).ThenBy(c => c.Order))
        {
            text.Append("\n- “").Append(c.Sentence).Append("” [").Append(numberOf[c.PaperRank]).Append(']');
        }

        var citations = citedRanks
            .Select(rank => new Citation(numberOf[rank], papers[rank].Id, papers[rank].Title, papers[rank].Link))
            .ToList();
        return (text.ToString(), citations);
    }

    public async Task<string> SummarizeAsync(Paper paper, SummaryLevel level, CancellationToken cancellationToken)
    {
        var sentences = SentencesOf(paper);
        if (sentences.Count == 0)
        {
            return "*Extractive summary:* this paper has no abstract or text to summarize.";
        }

        if (level == SummaryLevel.Detailed)
        {
            var rows = await AspectSentencesAsync(sentences, ["Problem", "Method", "Results", "Limitations"], cancellationToken);
            var detailed = new StringBuilder("*Extractive summary (no language model in use): key sentences from the paper, quoted.*\n");
            foreach (var (aspect, sentence) in rows)
            {
                detailed.Append("\n**").Append(aspect).Append("**: ").Append(sentence == NotStated ? NotStated : $"“{sentence}”");
            }

            return detailed.ToString();
        }

        var count = level == SummaryLevel.Tldr ? 2 : 3;
        var central = await CentralSentencesAsync(paper, sentences, count, cancellationToken);
        var label = level == SummaryLevel.Eli5
            ? "*Extractive summary (no language model in use): the paper's central sentences, quoted; plain-language rewriting needs a model endpoint.*"
            : "*Extractive summary (no language model in use): the paper's central sentences, quoted.*";
        return label + "\n\n" + string.Join(" ", central.Select(s => $"“{s}”"));
    }

    public async Task<(IReadOnlyList<ComparisonRow> Rows, string KeyDifferences)> CompareAsync(IReadOnlyList<Paper> papers, CancellationToken cancellationToken)
    {
        var perPaper = new List<IReadOnlyList<(string Aspect, string Sentence)>>();
        var sentencesPerPaper = papers.Select(SentencesOf).ToList();
        foreach (var sentences in sentencesPerPaper)
        {
            perPaper.Add(await AspectSentencesAsync(sentences, Aspects.Select(a => a.Aspect).ToList(), cancellationToken));
        }

        var rows = Aspects
            .Select((a, i) => new ComparisonRow(a.Aspect, perPaper.Select(p => p[i].Sentence).ToList()))
            .ToList();

        // What sets each paper apart: its sentence least similar to anything in the other papers.
        var differences = new StringBuilder("*Extractive comparison (no language model in use): sentences quoted from each abstract.*");
        var vectors = new List<float[][]>();
        foreach (var sentences in sentencesPerPaper)
        {
            vectors.Add(sentences.Count == 0 ? [] : await EmbedAsync(sentences, cancellationToken));
        }

        for (var p = 0; p < papers.Count; p++)
        {
            if (sentencesPerPaper[p].Count == 0)
            {
                continue;
            }

            var others = vectors.Where((_, j) => j != p).SelectMany(v => v).ToList();
            var distinct = sentencesPerPaper[p]
                .Select((s, i) => (Sentence: s, Overlap: others.Count == 0 ? 0 : others.Max(o => Cosine(vectors[p][i], o))))
                .OrderBy(x => x.Overlap)
                .First();
            differences.Append("\n- **").Append(papers[p].Title).Append("**: “").Append(distinct.Sentence).Append('”');
        }

        return (rows, differences.ToString());
    }

    private async Task<List<(string Aspect, string Sentence)>> AspectSentencesAsync(List<string> sentences, IReadOnlyList<string> aspects, CancellationToken cancellationToken)
    {
        var specs = aspects.Select(name => Aspects.Single(a => a.Aspect == name)).ToList();
        var result = new List<(string, string)>();
        if (sentences.Count == 0)
        {
            return specs.Select(s => (s.Aspect, NotStated)).ToList();
        }

        var vectors = await EmbedAsync([.. specs.Select(s => s.Probe), .. sentences], cancellationToken);

        // Global greedy assignment: the most confident (aspect, sentence) pair first, so that a sentence
        // goes to the aspect it fits best rather than to whichever aspect comes first in the table.
        var pairs = new List<(int Aspect, int Sentence, double Score)>();
        for (var a = 0; a < specs.Count; a++)
        {
            for (var i = 0; i < sentences.Count; i++)
            {
                var cue = specs[a].Cue?.IsMatch(sentences[i]) == true;
                if (cue || !specs[a].CueRequired)
                {
                    var position = sentences.Count == 1 ? 0.5 : (double)i / (sentences.Count - 1);
                    pairs.Add((a, i, Cosine(vectors[a], vectors[specs.Count + i]) + (cue ? CueBonus(specs[a].Aspect) : 0) + PositionPrior(specs[a].Aspect, position)));
                }
            }
        }

        var chosen = new string?[specs.Count];
        var used = new HashSet<int>();
        foreach (var (aspect, sentence, _) in pairs.OrderByDescending(p => p.Score))
        {
            if (chosen[aspect] is null && !used.Contains(sentence))
            {
                chosen[aspect] = sentences[sentence];
                used.Add(sentence);
            }
        }

        for (var a = 0; a < specs.Count; a++)
        {
            result.Add((specs[a].Aspect, chosen[a] ?? NotStated));
        }

        return result;
    }

    // "We propose/introduce X" is the most reliable marker an abstract has.
    private static double CueBonus(string aspect) => aspect == "Method" ? 0.25 : 0.15;

    // Abstracts run problem → method → results: a mild prior on where each aspect sits.
    private static double PositionPrior(string aspect, double position) => aspect switch
    {
        "Problem" => 0.1 * (1 - position),
        "Results" => 0.1 * position,
        "Limitations" => 0.05 * position,
        _ => 0,
    };

    private async Task<IReadOnlyList<string>> CentralSentencesAsync(Paper paper, List<string> sentences, int count, CancellationToken cancellationToken)
    {
        var vectors = await EmbedAsync([paper.Title + ". " + paper.Abstract, .. sentences], cancellationToken);
        return sentences
            .Select((s, i) => (Sentence: s, Index: i, Score: Cosine(vectors[0], vectors[i + 1]) + (MethodCue().IsMatch(s) ? 0.1 : 0)))
            .OrderByDescending(x => x.Score)
            .Take(count)
            .OrderBy(x => x.Index)
            .Select(x => x.Sentence)
            .ToList();
    }

    private static List<string> SentencesOf(Paper paper)
    {
        var sentences = SentenceSplitter.Split(paper.Abstract).ToList();
        if (!string.IsNullOrWhiteSpace(paper.FullText))
        {
            // The introduction is where papers state problem, method and results; the rest adds noise.
            sentences.AddRange(SentenceSplitter.Split(paper.FullText.Length > 6000 ? paper.FullText[..6000] : paper.FullText).Take(40));
        }

        // Links and "code is available" notes say nothing about the paper's content.
        return sentences.Distinct(StringComparer.Ordinal).Where(s => !NoContentRegex().IsMatch(s)).ToList();
    }

    // A full-text passage is a window of words, so its first and last sentences may be cut at the window's
    // edges ("Our retrieval heads attend to the answer"): quote the sentence of the paper they belong to.
    private static IReadOnlyList<string> WholeSentences(IReadOnlyList<string> sentences, IReadOnlyList<string> paperSentences)
    {
        if (sentences.Count == 0)
        {
            return sentences;
        }

        var whole = sentences.ToList();
        foreach (var edge in whole.Count == 1 ? [0] : new[] { 0, whole.Count - 1 })
        {
            whole[edge] = paperSentences.FirstOrDefault(s => s.Contains(whole[edge], StringComparison.Ordinal)) ?? whole[edge];
        }

        return whole;
    }

    private static string StripTitle(string passageText, string title) =>
        passageText.StartsWith(title, StringComparison.Ordinal) ? passageText[title.Length..].TrimStart('.', ' ', '\n') : passageText;

    /// <summary>
    /// For each hit, the cosine similarity of the question to the hit's closest sentence (0 for a passage with
    /// no sentence): evidence that a passage says what was asked, not only that it shares the question's field.
    /// </summary>
    public async Task<IReadOnlyList<double>> ClosestSentenceSimilaritiesAsync(string question, IReadOnlyList<PassageHit> hits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hits);
        var sentences = hits.Select(h => SentenceSplitter.Split(h.Passage.Text)).ToList();
        var vectors = await EmbedAsync([question, .. sentences.SelectMany(s => s)], cancellationToken);
        var similarities = new List<double>(hits.Count);
        var next = 1;
        foreach (var passage in sentences)
        {
            similarities.Add(passage.Count == 0 ? 0 : passage.Select((_, i) => Cosine(vectors[0], vectors[next + i])).Max());
            next += passage.Count;
        }

        return similarities;
    }

    public void Dispose() => _vectors.Dispose();

    private async Task<float[][]> EmbedAsync(List<string> texts, CancellationToken cancellationToken)
    {
        var vectors = new float[texts.Count][];
        var missing = new List<int>();
        for (var i = 0; i < texts.Count; i++)
        {
            if (_vectors.TryGetValue(texts[i], out float[]? cached) && cached is not null)
            {
                vectors[i] = cached;
            }
            else
            {
                missing.Add(i);
            }
        }

        if (missing.Count > 0)
        {
            var distinct = missing.Select(i => texts[i]).Distinct(StringComparer.Ordinal).ToList();
            var embeddings = await embedder.GenerateAsync(distinct, cancellationToken: cancellationToken);
            var byText = distinct.Zip(embeddings, (text, e) => (text, Vector: e.Vector.ToArray())).ToDictionary(x => x.text, x => x.Vector, StringComparer.Ordinal);
            foreach (var i in missing)
            {
                vectors[i] = byText[texts[i]];
            }

            foreach (var (text, vector) in byText)
            {
                _vectors.Set(text, vector, new MemoryCacheEntryOptions { Size = 1 });
            }
        }

        return vectors;
    }

    internal static double Cosine(float[] a, float[] b) => a.Length == 0 || a.Length != b.Length ? 0 : TensorPrimitives.CosineSimilarity(a, b);

    [GeneratedRegex(@"\b(challeng|problem|struggl|lack|limited|difficult|costly|expensive|remain|however|despite|issue|gap)", RegexOptions.IgnoreCase)]
    private static partial Regex ProblemCue();

    [GeneratedRegex(@"https?://|github\.com|\b(code|data|models?) (is|are) (publicly )?(available|released)", RegexOptions.IgnoreCase)]
    private static partial Regex NoContentRegex();

    [GeneratedRegex(@"\b(we (propose|introduce|present|develop|design|release)|our (method|approach|framework|model)|named|called)\b", RegexOptions.IgnoreCase)]
    private static partial Regex MethodCue();

    [GeneratedRegex(@"\b(data ?sets?|benchmarks?|corpus|corpora|tasks?|evaluat\w*|experiments?|trained on|tested on)\b", RegexOptions.IgnoreCase)]
    private static partial Regex DataCue();

    [GeneratedRegex(@"\b(outperform\w*|improv\w*|achiev\w*|state[- ]of[- ]the[- ]art|results?|accuracy|gains?|surpass\w*|better|\d+(\.\d+)?\s?%)", RegexOptions.IgnoreCase)]
    private static partial Regex ResultsCue();

    [GeneratedRegex(@"\b(limitation\w*|fail\w*|however|cannot|does not|do not|struggl\w*|future work|remain\w* (challenging|open))\b", RegexOptions.IgnoreCase)]
    private static partial Regex LimitationsCue();
}
