using MambaIR.Native;

namespace MambaIR.Text.Evaluation;

/// <summary>Turns <c>--model</c> values into <see cref="ITextSrModel"/>s: <c>bicubic</c> or a MambaIR ×2 checkpoint.</summary>
public static class TextSrModels
{
    /// <summary>Creates the model for <paramref name="spec"/> on <paramref name="device"/> (<c>auto</c>, <c>cpu</c>, <c>cuda[:N]</c>).</summary>
    public static ITextSrModel Create(string spec, string device)
    {
        if (spec.Trim().Equals("bicubic", StringComparison.OrdinalIgnoreCase)) return new BicubicTextSrModel();
        if (!File.Exists(spec)) throw new FileNotFoundException($"--model {spec}: no such checkpoint (use 'bicubic' or a MambaIR ×2 .pth/.safetensors file)", spec);
        return MambaIRTextSrModel.Load(spec, ComputeDevice.Resolve(device));
    }
}
