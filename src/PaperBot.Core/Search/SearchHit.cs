using PaperBot.Core.Library;

namespace PaperBot.Core.Search;

/// <summary>
/// A searchable piece of a paper: chunk 0 is title + abstract, chunks 1… are full-text chunks.
/// </summary>
public sealed record Passage(string PaperId, int ChunkIndex, string Text);

/// <summary>A paper found by a search.</summary>
/// <param name="Paper">The paper.</param>
/// <param name="Score">Fused rank score (higher is better; comparable only within one result list).</param>
/// <param name="Similarity">Cosine similarity of the query to the paper's best passage, in [-1, 1]; comparable across queries, so usable for abstaining.</param>
/// <param name="BestPassage">The passage of this paper that matched best.</param>
public sealed record SearchHit(Paper Paper, double Score, double Similarity, Passage BestPassage);

/// <summary>A passage found by a search, with its paper.</summary>
public sealed record PassageHit(Paper Paper, Passage Passage, double Score, double Similarity);
