namespace PaperBot.Core.Tests.Support;

/// <summary>Paths of the real fixtures copied into the test output.</summary>
internal static class TestData
{
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static string SamplePage => Path.Combine(AppContext.BaseDirectory, "samples", "hf-papers-page-sample.txt");

    public static byte[] Bytes(string path) => File.ReadAllBytes(path);
}
