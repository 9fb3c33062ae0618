using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// ASTER's localisation network (<c>STNHead(in_planes=3, num_ctrlpoints=20, activation='none')</c>): six 3×3
/// conv-BN-ReLU blocks with five 2×2 max-pools take a 3×32×64 image to 256×1×2, then FC-BN-ReLU (512) and a linear
/// layer on <c>0.1 × features</c> give the control points (B, 20, 2) in normalised [0, 1] image coordinates.
/// </summary>
public sealed class StnHead : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // field names are the PyTorch state-dict names
    readonly Sequential stn_convnet;
    readonly Sequential stn_fc1;
    readonly Linear stn_fc2;
#pragma warning restore IDE1006
    readonly int _controlPoints;

    /// <summary>Creates the head.</summary>
    public StnHead(long inPlanes = 3, int controlPoints = 20) : base(nameof(StnHead))
    {
        _controlPoints = controlPoints;
        stn_convnet = nn.Sequential(
            ("0", Conv3x3Block(inPlanes, 32)), ("1", nn.MaxPool2d(2, 2)),
            ("2", Conv3x3Block(32, 64)), ("3", nn.MaxPool2d(2, 2)),
            ("4", Conv3x3Block(64, 128)), ("5", nn.MaxPool2d(2, 2)),
            ("6", Conv3x3Block(128, 256)), ("7", nn.MaxPool2d(2, 2)),
            ("8", Conv3x3Block(256, 256)), ("9", nn.MaxPool2d(2, 2)),
            ("10", Conv3x3Block(256, 256)));
        stn_fc1 = nn.Sequential(("0", nn.Linear(2 * 256, 512)), ("1", nn.BatchNorm1d(512)), ("2", nn.ReLU()));
        stn_fc2 = nn.Linear(512, controlPoints * 2);
        RegisterComponents();
    }

    static Sequential Conv3x3Block(long inPlanes, long outPlanes) => nn.Sequential(
        ("0", nn.Conv2d(inPlanes, outPlanes, 3, 1, 1)),
        ("1", nn.BatchNorm2d(outPlanes)),
        ("2", nn.ReLU()));

    /// <summary>(B, 3, 32, 64) → control points (B, 20, 2).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var features = stn_convnet.call(x);
        // flatten, not view: channels-last input gives channels-last conv features, which view() cannot reshape
        // (same values in the same logical order as PyTorch's view on contiguous features)
        var imageFeatures = stn_fc1.call(features.flatten(1));
        var points = stn_fc2.call(0.1 * imageFeatures);
        return points.view(-1, _controlPoints, 2).MoveToOuterDisposeScope();
    }
}
