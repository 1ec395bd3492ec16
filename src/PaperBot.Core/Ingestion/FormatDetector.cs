using System.Text;

namespace PaperBot.Core.Ingestion;

/// <summary>Tells the format of an input from its first bytes, not only its name.</summary>
internal static class FormatDetector
{
    public static IngestFormat Detect(ReadOnlySpan<byte> head, string name)
    {
        if (head.StartsWith("%PDF-"u8))
        {
            return IngestFormat.Pdf;
        }

        var text = Encoding.UTF8.GetString(head).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (text.StartsWith('<'))
        {
            if (text.Contains("<OAI-PMH", StringComparison.Ordinal) || text.Contains("arXivRaw", StringComparison.Ordinal))
            {
                return IngestFormat.ArxivOai;
            }

            if (text.Contains("<feed", StringComparison.Ordinal))
            {
                return IngestFormat.ArxivAtom;
            }

            throw new IngestException($"{name}: XML that is neither an arXiv Atom feed nor an OAI-PMH arXivRaw page; pass --format.");
        }

        if (text.StartsWith('['))
        {
            return IngestFormat.HfDaily;
        }

        if (text.StartsWith('{'))
        {
            return IngestFormat.Jsonl;
        }

        if (name.EndsWith(".pdf", StringComparison.OrdinalIgnoreCase))
        {
            return IngestFormat.Pdf;
        }

        if (name.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase))
        {
            return IngestFormat.Jsonl;
        }

        return IngestFormat.HfPage;
    }
}
