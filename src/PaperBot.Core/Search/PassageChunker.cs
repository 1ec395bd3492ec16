using PaperBot.Core.Library;

namespace PaperBot.Core.Search;

/// <summary>
/// Cuts a paper into passages: chunk 0 is title + abstract; full text is cut into overlapping word windows
/// sized to fit the embedding model's input (about 256 word pieces) so nothing is silently truncated.
/// </summary>
internal static class PassageChunker
{
    internal const int WordsPerChunk = 160;
    internal const int OverlapWords = 30;

    public static List<Passage> Chunk(Paper paper)
    {
        var passages = new List<Passage> { new(paper.Id, 0, $"{paper.Title}\n\n{paper.Abstract}") };
        if (string.IsNullOrWhiteSpace(paper.FullText))
        {
            return passages;
        }

        var words = paper.FullText.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var step = WordsPerChunk - OverlapWords;
        for (var start = 0; start < words.Length; start += step)
        {
            var count = Math.Min(WordsPerChunk, words.Length - start);
            passages.Add(new Passage(paper.Id, passages.Count, string.Join(' ', words, start, count)));
            if (start + count >= words.Length)
            {
                break;
            }
        }

        return passages;
    }
}
