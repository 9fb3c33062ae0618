namespace MambaIR.Ops.Cpu;

/// <summary>
/// One scan call as the kernels see it: sizes and raw pointers into contiguous, row-major CPU buffers that are owned by
/// tensors kept alive for the whole call. The state dimension is padded to <see cref="PaddedState"/> (a multiple of the
/// vector width) with A = B = C = 0, which keeps the padded state lanes at exactly 0.
/// </summary>
internal sealed unsafe class ScanProblem<T> where T : unmanaged
{
    public required int Batch { get; init; }
    public required int Channels { get; init; }
    public required int Length { get; init; }
    public required int StateSize { get; init; }
    public required int PaddedState { get; init; }
    public required int Groups { get; init; }
    /// <summary>Steps between state checkpoints (forward with grad, backward).</summary>
    public required int ChunkLength { get; init; }
    public required bool Softplus { get; init; }

    /// <summary>u, delta, z (optional): (Bt, Dm, L).</summary>
    public required T* U { get; init; }
    public required T* Delta { get; init; }
    public T* Z { get; init; }
    /// <summary>A padded: (Dm, Np).</summary>
    public required T* A { get; init; }
    /// <summary>A·DecayScale padded (Dm, Np): the decay is DecayExp(δ·A′) (see <see cref="ISimd{TV,T}.DecayExp"/>).</summary>
    public required T* DecayA { get; init; }
    /// <summary>B and C transposed and padded: (Bt, G, L, Np), so one step's state vector is contiguous.</summary>
    public required T* B { get; init; }
    public required T* C { get; init; }
    /// <summary>D, delta_bias (optional): (Dm).</summary>
    public T* D { get; init; }
    public T* DeltaBias { get; init; }

    public int ChannelsPerGroup => Channels / Groups;
    public int Chunks => (Length + ChunkLength - 1) / ChunkLength;
    public int Rows => Batch * Channels;
}

/// <summary>Where the forward writes: output (Bt, Dm, L), optional last state (Bt, Dm, N), optional checkpoints (Bt, Dm, chunks, Np).</summary>
internal sealed unsafe class ScanForwardTargets<T> where T : unmanaged
{
    public required T* Output { get; init; }
    public T* LastState { get; init; }
    /// <summary>The state entering each chunk of <see cref="ScanProblem{T}.ChunkLength"/> steps (chunk 0: zeros).</summary>
    public T* Checkpoints { get; init; }
}

/// <summary>
/// Inputs and outputs of the backward. Gradients of u, delta, z are written per row; those that sum over rows are written
/// as partials reduced afterwards with tensor ops: dA, dD, d(delta_bias) per (b, d); dB, dC per (b, g, slice) with
/// channels of a group split into <see cref="Slices"/> slices, so no two threads ever write the same element.
/// </summary>
internal sealed unsafe class ScanBackwardTargets<T> where T : unmanaged
{
    public required T* GradOutput { get; init; }
    public T* GradLastState { get; init; }
    public required T* Checkpoints { get; init; }
    public required int Slices { get; init; }

    public required T* GradU { get; init; }
    public required T* GradDelta { get; init; }
    public T* GradZ { get; init; }
    /// <summary>(Bt, Dm, Np).</summary>
    public required T* GradAPartial { get; init; }
    /// <summary>(Bt, Dm).</summary>
    public required T* GradDPartial { get; init; }
    public required T* GradDeltaBiasPartial { get; init; }
    /// <summary>(Bt, G, Slices, L, Np), zero-initialised.</summary>
    public required T* GradBPartial { get; init; }
    public required T* GradCPartial { get; init; }
}
