namespace MambaIR.Models;

/// <summary>What a network of any family is for, from its architecture and (for same-size models) its name.</summary>
public static class ModelPurposes
{
    /// <summary>
    /// Super-resolution for networks with an upsampler. A same-size network is a denoiser or an artifact remover, which
    /// the weights cannot tell apart: a name with <c>jpeg</c>/<c>car</c> means artifact removal, one with
    /// <c>dn</c>/<c>denois</c>/<c>gauss</c>/<c>guass</c> (the official files' spelling) denoising; otherwise grey models are taken as
    /// artifact removers and colour ones as denoisers, as the released checkpoints are. The U-Net is a (real-image) denoiser.
    /// </summary>
    public static ModelPurpose Infer(INetworkConfig config, string? name)
    {
        if (config.Scale > 1) return ModelPurpose.SuperResolution;
        if (config.Architecture == NetworkArchitecture.MambaIRUNet) return ModelPurpose.Denoising;
        string n = Path.GetFileNameWithoutExtension(name ?? "").ToLowerInvariant();
        if (n.Contains("jpeg") || n.Contains("car")) return ModelPurpose.JpegArtifactRemoval;
        if (n.Contains("denois") || n.Contains("gauss") || n.Contains("guass") || n.Contains("dn")) return ModelPurpose.Denoising;
        return config.InChans == 1 ? ModelPurpose.JpegArtifactRemoval : ModelPurpose.Denoising;
    }
}
