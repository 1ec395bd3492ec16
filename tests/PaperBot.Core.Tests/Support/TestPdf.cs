using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace PaperBot.Core.Tests.Support;

/// <summary>Writes small real PDFs with PdfPig's builder: one line of text per argument; null leaves a paragraph gap.</summary>
internal static class TestPdf
{
    public static byte[] Create(params string?[] lines)
    {
        var builder = new PdfDocumentBuilder();
        var page = builder.AddPage(PageSize.A4);
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        var y = 800.0;
        foreach (var line in lines)
        {
            if (line is not null)
            {
                page.AddText(line, 11, new UglyToad.PdfPig.Core.PdfPoint(50, y), font);
            }

            y -= 24;
        }

        return builder.Build();
    }
}
