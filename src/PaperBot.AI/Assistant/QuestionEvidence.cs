using System.Text.RegularExpressions;
using PaperBot.AI.ModelEndpoint;
using PaperBot.Core.Search;

namespace PaperBot.AI.Assistant;

/// <summary>
/// Whether the retrieved passages are evidence for a question, beyond cosine similarity (which rates a
/// passage on particle-based Monte Carlo inference close to a question about AlphaGo's Monte Carlo tree
/// search). Two checks on the question's words, each weighted by its rarity in the library (IDF over passages,
/// counted as the full-text index stems the word):
/// <list type="bullet">
/// <item>evidence: for each of the first <see cref="SentencePassages"/> passages, its sentence closest to the question (cosine similarity) plus
/// <see cref="CoverageWeight"/> × the weighted share of the question's words the passage contains; the best
/// passage must reach <see cref="AiOptions.AbstainEvidence"/>. A whole abstract can sit near a question
/// ("How do diffusion models generate images from text?") because it shares the field; a sentence is near
/// only when it says what was asked;</item>
/// <item>names: every name, acronym or number the question asks about that is rare in the library (AlphaGo, BERT, 1998) must appear
/// in a retrieved passage, and the passages naming the most of them must hold at least <see cref="NameCoverage"/> of the
/// question's weighted words — a survey that mentions BERT in passing is no evidence about BERT's learning rate schedule.
/// A compound name is found by its name-like parts, a number with a magnitude suffix by its family ("100B" → "101B").</item>
/// </list>
/// </summary>
internal static partial class QuestionEvidence
{
    /// <summary>How much the share of the question's words found in a passage adds to its best sentence's similarity.</summary>
    internal const double CoverageWeight = 0.1;

    /// <summary>
    /// How many of the first passages found are judged by their closest sentence (the rest by their words alone):
    /// as many as an extractive answer quotes from, so the sentences are embedded once for both.
    /// </summary>
    internal const int SentencePassages = 4;

    /// <summary>The weighted share of the question a passage naming its names must hold.</summary>
    internal const double NameCoverage = 0.5;

    /// <summary>
    /// A name is checked only when it is rare in the library (in fewer than this share of passages): in an LLM
    /// collection "LLMs" or "GPT" says nothing about what a question is after.
    /// </summary>
    internal const double RareNameShare = 0.1;

    private static readonly HashSet<string> StopWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "about", "after", "all", "an", "and", "any", "are", "as", "at", "be", "been", "being", "best", "between", "both", "but", "by",
        "can", "could", "did", "do", "does", "doing", "done", "each", "for", "from", "get", "gets", "good", "had", "has", "have", "how",
        "i", "if", "in", "instead", "into", "is", "it", "its", "make", "makes", "many", "me", "much", "my", "no", "not", "of", "on", "one",
        "or", "other", "our", "out", "paper", "papers", "should", "so", "some", "such", "than", "that", "the", "their", "them", "then",
        "there", "these", "they", "this", "those", "through", "to", "up", "use", "used", "uses", "using", "very", "was", "way", "we",
        "were", "what", "when", "where", "whether", "which", "while", "who", "whom", "why", "will", "with", "work", "would", "you", "your",
    };

    /// <summary>A word of the question: its match key, and whether it is a name (mixed case, acronym, digits, capitalised inside the question).</summary>
    internal sealed record Term(string Word, string Key, bool IsName);

    /// <summary>The outcome: covered or not, the evidence score, and why (for the log; it may quote the question).</summary>
    internal sealed record Verdict(bool Covered, double Evidence, string Reason);

    public static IReadOnlyList<Term> Terms(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        var terms = new List<Term>();
        var position = 0;
        foreach (var word in WordRegex().Matches(question).Select(m => m.Value))
        {
            var first = position++ == 0;
            if (word.Length < 2 || StopWords.Contains(word))
            {
                continue;
            }

            var isName = word.Skip(1).Any(char.IsUpper) || word.Any(char.IsDigit) || (!first && char.IsUpper(word[0]));
            terms.Add(new Term(word, Key(word, isName), isName));
        }

        return terms.DistinctBy(t => t.Key, StringComparer.Ordinal).ToList();
    }

    /// <param name="question">The question in the asker's words.</param>
    /// <param name="hits">The passages retrieved for it.</param>
    /// <param name="sentenceSimilarities">For each of the first hits (at most <see cref="SentencePassages"/>), the cosine similarity of its sentence closest to the question.</param>
    /// <param name="library">For the rarity of the question's words.</param>
    /// <param name="minimumEvidence">The evidence to reach (<see cref="AiOptions.AbstainEvidence"/>).</param>
    /// <param name="cancellationToken">Cancels the word counts.</param>
    public static async Task<Verdict> AssessAsync(
        string question,
        IReadOnlyList<PassageHit> hits,
        IReadOnlyList<double> sentenceSimilarities,
        IResearchLibrary library,
        double minimumEvidence,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hits);
        ArgumentNullException.ThrowIfNull(sentenceSimilarities);
        ArgumentNullException.ThrowIfNull(library);
        if (sentenceSimilarities.Count != Math.Min(hits.Count, SentencePassages))
        {
            throw new ArgumentException(
                $"One sentence similarity for each of the first {SentencePassages} hits is needed ({hits.Count} hits, {sentenceSimilarities.Count} similarities).",
                nameof(sentenceSimilarities));
        }

        var terms = Terms(question);
        var bestSimilarity = sentenceSimilarities.Count == 0 ? 0 : sentenceSimilarities.Max();
        if (terms.Count == 0 || hits.Count == 0)
        {
            return new Verdict(hits.Count > 0, bestSimilarity + CoverageWeight, "the question has no content words to check");
        }

        // Counted as the full-text index stems each word ("evaluation" → evalu*); a truncated prefix would be stemmed
        // again and miscounted ("capsule" → cap*, which "capability" matches).
        var counts = await library.CountPassagesWithTermsAsync([.. terms.Select(t => t.Key)], cancellationToken);
        var weights = counts.Counts.Select(df => Math.Log((counts.Passages + 1.0) / (df + 0.5))).ToList();
        var total = weights.Sum();
        var passages = hits
            .Select((h, n) =>
            {
                var words = PassageWords(h.Passage.Text);
                var found = terms.Select(t => Found(words, t)).ToList();
                var coverage = total <= 0 ? 1 : found.Select((f, i) => f ? weights[i] : 0).Sum() / total;
                return (Similarity: n < sentenceSimilarities.Count ? sentenceSimilarities[n] : 0, Found: found, Coverage: coverage);
            })
            .ToList();
        var evidence = passages.Max(p => p.Similarity + (CoverageWeight * p.Coverage));

        var names = terms.Select((t, i) => (t, i))
            .Where(x => x.t.IsName && counts.Counts[x.i] < RareNameShare * counts.Passages)
            .ToList();
        foreach (var (name, i) in names)
        {
            if (!passages.Any(p => p.Found[i]))
            {
                return new Verdict(false, evidence, $"'{name.Word}' appears in none of the passages found");
            }
        }

        if (names.Count > 0)
        {
            // The passages naming the most of the names: a question may name a model its paper's abstract names and a
            // method (PPO) it does not.
            var most = passages.Max(p => names.Count(n => p.Found[n.i]));
            var naming = passages.Where(p => names.Count(n => p.Found[n.i]) == most).Max(p => p.Coverage);
            if (naming < NameCoverage)
            {
                return new Verdict(false, evidence,
                    $"the passages naming most of {string.Join(", ", names.Select(n => n.t.Word))} hold only {naming:P0} of the question's weighted words");
            }
        }

        return evidence < minimumEvidence
            ? new Verdict(false, evidence, $"evidence {evidence:F3} is below {minimumEvidence:F3}")
            : new Verdict(true, evidence, $"evidence {evidence:F3}");
    }

    // Lower case without hyphens ("pre-training" = "pretraining"); an acronym's plural matches its singular ("LLMs").
    private static string Key(string word, bool isName)
    {
        var key = word.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
        return isName && word.Length > 2 && word[^1] == 's' && char.IsUpper(word[^2]) ? key[..^1] : key;
    }

    private static HashSet<string> PassageWords(string text)
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in WordRegex().Matches(text).Select(m => m.Value.ToLowerInvariant()))
        {
            words.Add(word.Replace("-", "", StringComparison.Ordinal));
            foreach (var part in word.Split('-', StringSplitOptions.RemoveEmptyEntries))
            {
                words.Add(part);
            }
        }

        return words;
    }

    // A compound name is found whole or by its name-like parts ("100B-scale" by "100B", "LLaMA2-7B" by "LLaMA2" and "7B");
    // a number with a magnitude suffix stands for its family ("100B" finds "101B": same suffix, as many digits).
    private static bool Found(HashSet<string> words, Term term)
    {
        if (ContainsWord(words, term.Word, term.Key))
        {
            return true;
        }

        var parts = term.Word.Split('-', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => p.Length >= 2 && (p.Any(char.IsDigit) || p.Skip(1).Any(char.IsUpper)))
            .ToList();
        return term.IsName && term.Word.Contains('-', StringComparison.Ordinal) && parts.Count > 0
            && parts.All(p => ContainsWord(words, p, Key(p, isName: true)));
    }

    private static bool ContainsWord(HashSet<string> words, string word, string key)
    {
        if (MagnitudeRegex().Match(word) is not { Success: true } magnitude)
        {
            return Contains(words, key);
        }

        var digits = magnitude.Groups[1].Value.Length;
        var suffix = magnitude.Groups[3].Value.ToLowerInvariant();
        return words.Any(w => MagnitudeRegex().Match(w) is { Success: true } m
            && m.Groups[1].Value.Length == digits && string.Equals(m.Groups[3].Value, suffix, StringComparison.Ordinal));
    }

    // Short keys match whole words (plus one letter: "rate" → "rates"); longer ones by their stem-like
    // prefix, so "specialised" finds "specialized" and "communities" finds "community".
    private static bool Contains(HashSet<string> words, string key)
    {
        var stem = Stem(key);
        return key.Length <= 4
            ? words.Any(w => w.StartsWith(stem, StringComparison.Ordinal) && w.Length <= key.Length + 1)
            : words.Any(w => w.StartsWith(stem, StringComparison.Ordinal));
    }

    private static string Stem(string key) => key.Length <= 4 ? key : key[..Math.Max(4, key.Length - 3)];

    [GeneratedRegex(@"^(\d+)(\.\d+)?([kmbt])$", RegexOptions.IgnoreCase)]
    private static partial Regex MagnitudeRegex();

    [GeneratedRegex(@"[\p{L}\p{N}]+(?:[-.][\p{L}\p{N}]+)*")]
    private static partial Regex WordRegex();
}
