using MambaIR.Native;
using MambaIR.Text.Recognizers;
using static TorchSharp.torch;

namespace MambaIR.Tests.Text.Recognizers;

/// <summary>
/// ASTER's beam search on a toy decoder whose next-symbol log-probabilities depend only on the previous symbol, so the
/// original algorithm can be followed by hand, including the re-insertion of finished (EOS) hypotheses.
/// </summary>
public class BeamSearchTests
{
    const int A = 0, B = 1, Eos = 2, Bos = 3, Classes = 3;

    public BeamSearchTests() => TorchRuntime.EnsureInitialized();

    static BeamSearch.DecoderStep Table(double[][] probabilities)
    {
        var table = tensor(probabilities.SelectMany(p => p.Select(x => Math.Log(x))).ToArray(), ScalarType.Float64)
            .view(probabilities.Length, Classes);
        return (state, previous) => (table.index_select(0, previous), state.alias());
    }

    [Fact]
    public void FinishedHypothesisBeatsLongerBeams()
    {
        // Step 0 keeps a (.5) and b (.3); step 1 ends "a" (.4) and extends "ba" (.18); step 2 ends "ba" (.144) and
        // keeps "baa" (.027). Backtracking re-inserts "a<EOS>" and "ba<EOS>"; the best is "a" with probability .4.
        var step = Table([
            [0.15, 0.05, 0.80],   // after a
            [0.60, 0.30, 0.10],   // after b
            [1 / 3.0, 1 / 3.0, 1 / 3.0],   // after EOS (never expanded)
            [0.50, 0.30, 0.20],   // after BOS
        ]);
        using var state = zeros(1, 2, 1, ScalarType.Float64);
        var (ids, logProbability) = BeamSearch.Run(step, state, batch: 1, beamWidth: 2, eos: Eos, startSymbol: Bos,
            classCount: Classes, maxLength: 3);
        Assert.Equal(new long[] { A, Eos, Eos }, ids.data<long>().ToArray());
        Assert.Equal(Math.Log(0.5) + Math.Log(0.8), logProbability.item<double>(), 12);
    }

    [Fact]
    public void UnfinishedBeamsKeepTheHighestScore()
    {
        // Without EOS the search returns the best full-length path: b then a then a (.3·.6·... vs a·a·a).
        var step = Table([
            [0.70, 0.25, 0.05],
            [0.90, 0.05, 0.05],
            [1 / 3.0, 1 / 3.0, 1 / 3.0],
            [0.40, 0.55, 0.05],
        ]);
        using var state = zeros(1, 6, 1, ScalarType.Float64);
        var (ids, logProbability) = BeamSearch.Run(step, state, batch: 2, beamWidth: 3, eos: Eos, startSymbol: Bos,
            classCount: Classes, maxLength: 3);
        Assert.Equal(new long[] { B, A, A, B, A, A }, ids.data<long>().ToArray());
        Assert.Equal(Math.Log(0.55 * 0.9 * 0.7), logProbability[0].item<double>(), 12);
    }
}
