using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>The conv closing each RSSG (<c>layers.{i}.conv</c>) and the body (<c>conv_after_body</c>), per <see cref="ResiConnection"/>.</summary>
public static class ResidualConv
{
    /// <summary>'1conv': Conv3×3 C→C. '3conv': Conv3×3 C→C/4, LeakyReLU 0.2, Conv1×1, LeakyReLU 0.2, Conv3×3 C/4→C (keys 0, 2, 4).</summary>
    public static nn.Module<Tensor, Tensor> Create(long c, ResiConnection kind) => kind switch
    {
        ResiConnection.OneConv => nn.Conv2d(c, c, 3, padding: 1),
        ResiConnection.ThreeConv => nn.Sequential(
            ("0", nn.Conv2d(c, c / 4, 3, padding: 1)),
            ("1", nn.LeakyReLU(0.2)),
            ("2", nn.Conv2d(c / 4, c / 4, 1)),
            ("3", nn.LeakyReLU(0.2)),
            ("4", nn.Conv2d(c / 4, c, 3, padding: 1))),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown resi_connection"),
    };
}
