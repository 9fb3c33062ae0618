using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>
/// CAB, the convolutional half of a VSSBlock (key <c>conv_blk</c>; its layers are <c>conv_blk.cab.{i}</c>).
/// The layout depends on <see cref="CabLayout"/>; every convolution has a bias and the channel attention squeezes by 30.
/// </summary>
public sealed class ChannelAttentionBlock : nn.Module<Tensor, Tensor>
{
    private readonly Sequential cab;

    public ChannelAttentionBlock(long numFeat, CabLayout layout) : base(nameof(ChannelAttentionBlock))
    {
        var ca = new ChannelAttention(numFeat, MambaIRConfig.SqueezeFactor);
        cab = layout switch
        {
            CabLayout.Classic => Classic(numFeat, 3, ca),
            CabLayout.LightMar2024 => Classic(numFeat, 6, ca),
            CabLayout.Light => nn.Sequential(
                ("0", nn.Conv2d(numFeat, numFeat / 2, 1)),
                ("1", nn.Conv2d(numFeat / 2, numFeat / 2, 3, padding: 1, groups: numFeat / 2)),
                ("2", nn.GELU()),
                ("3", nn.Conv2d(numFeat / 2, numFeat, 1)),
                ("4", nn.Conv2d(numFeat, numFeat, 3, padding: 2, dilation: 2, groups: numFeat)),
                ("5", ca)),
            CabLayout.LightFeb2024 => nn.Sequential(
                ("0", nn.Conv2d(numFeat, numFeat, 3, padding: 1, groups: numFeat)),
                ("1", ca)),
            _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, "unknown CAB layout"),
        };
        RegisterComponents();
    }

    static Sequential Classic(long c, long compress, ChannelAttention ca) => nn.Sequential(
        ("0", nn.Conv2d(c, c / compress, 3, padding: 1)),
        ("1", nn.GELU()),
        ("2", nn.Conv2d(c / compress, c, 3, padding: 1)),
        ("3", ca));

    public override Tensor forward(Tensor x) => ModuleChain.Run(x, ModuleChain.Of(cab));

    /// <summary>forward(<paramref name="x"/>), freeing <paramref name="x"/> (handed over by the caller) once the first layer has read it.</summary>
    public Tensor ForwardConsuming(Tensor x) => ModuleChain.Run(x, ModuleChain.Of(cab), freeInput: true);
}
