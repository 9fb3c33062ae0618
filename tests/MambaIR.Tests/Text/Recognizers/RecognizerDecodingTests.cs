using MambaIR.Native;
using MambaIR.Text.Recognizers;
using static TorchSharp.torch;

namespace MambaIR.Tests.Text.Recognizers;

public class RecognizerDecodingTests
{
    public RecognizerDecodingTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void CtcCollapsesRepeatsAndDropsBlanks()
    {
        // 'a' = 11, 'b' = 12, '0' = 1, blank = 0.
        Assert.Equal("aab0", CtcGreedyDecoder.Decode(new long[] { 0, 11, 11, 0, 11, 12, 12, 0, 0, 1 }));
        Assert.Equal("", CtcGreedyDecoder.Decode(new long[] { 0, 0, 0 }));
        Assert.Equal("z", CtcGreedyDecoder.Decode(new long[] { 36, 36 }));
    }

    [Fact]
    public void CtcDecodesScoresPerBatchItem()
    {
        long[][] ids = [[1, 1, 0, 2, 11], [0, 36, 0, 36, 0]];
        using var scores = zeros(5, 2, CtcGreedyDecoder.ClassCount);   // (T, B, C)
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < 5; t++)
                scores[t, b, ids[b][t]] = 1;
        Assert.Equal(["01a", "zz"], CtcGreedyDecoder.Decode(scores));
    }

    [Fact]
    public void MoranCutsAtEndOfString()
    {
        using var ids = tensor(new long[] { 10, 11, 36, 12, 13, 1, 2, 3, 4, 5 }).view(2, 5);   // "ab$cd", "12345"
        Assert.Equal(["ab", "12345"], MoranLabelConverter.Decode(ids));
    }

    [Fact]
    public void AsterStopsAtEosSkipsUnknownAndNormalises()
    {
        int A = AsterVocabulary.Symbols.IndexOf('A'), dash = AsterVocabulary.Symbols.IndexOf('-');
        using var ids = tensor(new long[]
        {
            A, AsterVocabulary.Unknown, 11, dash, AsterVocabulary.Padding, 3, AsterVocabulary.Eos, 12,
            AsterVocabulary.Eos, 1, 1, 1, 1, 1, 1, 1,
        }).view(2, 8);
        Assert.Equal(["ab3", ""], AsterVocabulary.Decode(ids));
    }

    [Fact]
    public void AsterVocabularyHasTheOriginalLayout()
    {
        Assert.Equal(94, AsterVocabulary.Symbols.Length);
        Assert.Equal(AsterVocabulary.Eos, AsterVocabulary.Symbols.Length);
        Assert.Equal(AsterVocabulary.ClassCount, AsterVocabulary.Unknown + 1);
        Assert.Equal(62, AsterVocabulary.Symbols.IndexOf('!'));
        Assert.Equal(36, AsterVocabulary.Symbols.IndexOf('A'));
        Assert.Equal("hello2world", AsterVocabulary.NormalizeText("Hello, 2 World!"));
    }
}
