using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// ASTER's beam search (aster.pytorch <c>AttentionRecognitionHead.beam_search</c>, itself from IBM pytorch-seq2seq
/// <c>TopKDecoder</c>), reproduced step for step: beams always run <c>max_len</c> steps; a beam that emits EOS gets score
/// −∞ so it is not expanded, and backtracking re-inserts finished (EOS) hypotheses into the last beam slots of their
/// batch item before the final re-sort.
/// </summary>
internal static class BeamSearch
{
    /// <summary>Runs the search; returns the top beam's symbols (B, maxLength) and its final score (B).</summary>
    public static (Tensor Ids, Tensor LogProbability) Run(AsterDecoderUnit decoder, Tensor x, int beamWidth, int eos,
        int classCount, int stateSize, int maxLength)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long batch = x.shape[0], length = x.shape[1], dim = x.shape[2];
        long rows = batch * beamWidth;
        var device = x.device;
        var dtype = x.dtype;

        // ABC -> AABBCC
        var inflated = x.unsqueeze(1).permute(1, 0, 2, 3).repeat(beamWidth, 1, 1, 1).permute(1, 0, 2, 3)
            .contiguous().view(-1, length, dim);
        var inflatedProj = decoder.ProjectFeatures(inflated);

        var state = zeros(1, rows, stateSize, dtype, device);
        var posIndex = (arange(batch, ScalarType.Int64, device) * beamWidth).view(-1, 1);
        var sequenceScores = full(rows, 1, double.NegativeInfinity, dtype, device);
        sequenceScores.index_fill_(0, arange(batch, ScalarType.Int64, device) * beamWidth, 0.0);
        var yPrev = full(rows, classCount, ScalarType.Int64, device);   // the last embedding row is <BOS>

        var storedScores = new List<Tensor>(maxLength);
        var storedPredecessors = new List<long[]>(maxLength);
        var storedSymbols = new List<long[]>(maxLength);
        var storedSymbolTensors = new List<Tensor>(maxLength);

        for (int i = 0; i < maxLength; i++)
        {
            using var stepScope = NewDisposeScope();
            var (output, newState) = decoder.Step(inflated, inflatedProj, state, yPrev);
            var logSoftmax = F.log_softmax(output, 1);
            var expanded = sequenceScores.repeat(1, classCount) + logSoftmax;
            var (scores, candidates) = expanded.view(batch, -1).topk(beamWidth, dim: 1);

            yPrev = (candidates % classCount).view(rows);
            sequenceScores = scores.view(rows, 1);
            var predecessors = (candidates.div(classCount, RoundingMode.floor) + posIndex.expand_as(candidates)).view(rows, 1);
            state = newState.index_select(1, predecessors.squeeze(1));

            storedScores.Add(sequenceScores.clone().cpu().to(ScalarType.Float64).MoveToOuterDisposeScope());
            sequenceScores = sequenceScores.masked_fill(yPrev.view(-1, 1).eq(eos), double.NegativeInfinity);
            storedPredecessors.Add(predecessors.view(-1).cpu().data<long>().ToArray());
            storedSymbols.Add(yPrev.cpu().data<long>().ToArray());

            yPrev.MoveToOuterDisposeScope();
            sequenceScores.MoveToOuterDisposeScope();
            state.MoveToOuterDisposeScope();
        }

        var (ids, best) = Backtrack(storedScores, storedPredecessors, storedSymbols, batch, beamWidth, eos, maxLength, dtype);
        return (ids.to(device).MoveToOuterDisposeScope(), best.to(device).MoveToOuterDisposeScope());
    }

    /// <summary>The original's backtracking over the stored per-step beams (on the CPU).</summary>
    static (Tensor Ids, Tensor Best) Backtrack(List<Tensor> storedScores, List<long[]> storedPredecessors,
        List<long[]> storedSymbols, long batch, int beamWidth, int eos, int maxLength, ScalarType dtype)
    {
        long rows = batch * beamWidth;
        var (sortedScore, sortedIdx) = storedScores[^1].view(batch, beamWidth).topk(beamWidth);
        var s = sortedScore.contiguous().data<double>().ToArray();                     // (batch, beam), row-major
        var sorted = sortedIdx.contiguous().data<long>().ToArray();
        var eosFound = new int[batch];

        var tPredecessors = new long[rows];
        for (long r = 0; r < rows; r++) tPredecessors[r] = sorted[r] + r / beamWidth * beamWidth;

        var path = new long[maxLength][];   // path[t] = symbols at step t for each (unsorted) final slot
        for (int t = maxLength - 1; t >= 0; t--)
        {
            var symbols = storedSymbols[t];
            var predecessors = storedPredecessors[t];
            var current = new long[rows];
            var next = new long[rows];
            for (long r = 0; r < rows; r++)
            {
                current[r] = symbols[tPredecessors[r]];
                next[r] = predecessors[tPredecessors[r]];
            }
            double[]? scoresAtT = null;
            for (long idx = rows - 1; idx >= 0; idx--)
            {
                if (symbols[idx] != eos) continue;
                scoresAtT ??= storedScores[t].contiguous().data<double>().ToArray();
                long b = idx / beamWidth;
                long k = beamWidth - (eosFound[b] % beamWidth) - 1;
                eosFound[b]++;
                long res = b * beamWidth + k;
                next[res] = predecessors[idx];
                current[res] = symbols[idx];
                s[res] = scoresAtT[idx];
            }
            path[t] = current;
            tPredecessors = next;
        }

        // Re-sort (finished hypotheses may have changed the order) and keep the best beam.
        using var sTensor = tensor(s, ScalarType.Float64).view(batch, beamWidth).to(dtype);
        var (bestScores, reSorted) = sTensor.topk(beamWidth);
        var order = reSorted.contiguous().data<long>().ToArray();
        var ids = new long[batch * maxLength];
        for (long b = 0; b < batch; b++)
        {
            long slot = b * beamWidth + order[b * beamWidth];
            for (int t = 0; t < maxLength; t++) ids[b * maxLength + t] = path[t][slot];
        }
        return (tensor(ids, ScalarType.Int64).view(batch, maxLength), bestScores[.., 0].contiguous());
    }
}
