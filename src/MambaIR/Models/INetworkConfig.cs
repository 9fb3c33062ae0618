using System.Text.Json;
using MambaIR.Models.UNet;
using MambaIR.Models.V2;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>The network families MambaIR.NET builds, named as the official classes are (a reference vector's <c>arch</c>,
/// an option file's <c>network_g: type</c>).</summary>
public enum NetworkArchitecture
{
    /// <summary>MambaIR v1 (<c>basicsr/archs/mambair_arch.py</c>): classic/light SR, colour denoising, JPEG CAR.</summary>
    MambaIR,
    /// <summary>MambaIRv2 (<c>mambairv2_arch.py</c>): window attention + attentive state space, ConvFFN.</summary>
    MambaIRv2,
    /// <summary>MambaIRv2-light (<c>mambairv2light_arch.py</c>): MambaIRv2 with GatedMLP feed-forward layers.</summary>
    MambaIRv2Light,
    /// <summary>The real-image denoising U-Net (<c>realDenoising/basicsr/models/archs/mambairunet_arch.py</c>).</summary>
    MambaIRUNet,
}

/// <summary>
/// The hyper-parameters of a network of any family (<see cref="MambaIRConfig"/>, <see cref="MambaIRv2Config"/>,
/// <see cref="MambaIRUNetConfig"/>): what a loader, a factory or a report needs without knowing the family.
/// Implementations are immutable records with value equality.
/// </summary>
public interface INetworkConfig
{
    /// <summary>The family (official class name).</summary>
    NetworkArchitecture Architecture { get; }
    /// <summary>Output size ÷ input size (1 for same-size restoration).</summary>
    int Scale { get; }
    /// <summary>Image channels the network takes.</summary>
    int InChans { get; }
    /// <summary>Image channels the network returns.</summary>
    int OutChans { get; }
    /// <summary>The reconstruction head (<see cref="Upsampler.None"/> for same-size networks and the U-Net).</summary>
    Upsampler Upsampler { get; }
    /// <summary>A new network of this architecture with freshly initialised weights (as the official constructor does), in
    /// training mode, float32 on the CPU.</summary>
    nn.Module<Tensor, Tensor> CreateNetwork();
    /// <summary>The official keyword arguments that rebuild this config.</summary>
    IReadOnlyDictionary<string, object> ToKwargs();
}

/// <summary>Configs of any family from the official keyword arguments, dispatched on the class name.</summary>
public static class NetworkConfigs
{
    /// <summary>Parses an architecture name as the official code spells it (<c>MambaIR</c>, <c>MambaIRv2</c>,
    /// <c>MambaIRv2Light</c>, <c>MambaIRUNet</c>; case-insensitive).</summary>
    /// <exception cref="ArgumentException">Not one of them (the message lists them).</exception>
    public static NetworkArchitecture ParseArchitecture(string name) =>
        Enum.GetValues<NetworkArchitecture>().Cast<NetworkArchitecture?>()
            .FirstOrDefault(a => string.Equals(a.ToString(), name?.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown network type '{name}'; known: {string.Join(", ", Enum.GetNames<NetworkArchitecture>())}");

    /// <summary>The config of <paramref name="architecture"/> from its constructor keyword arguments.</summary>
    public static INetworkConfig FromKwargs(NetworkArchitecture architecture, IEnumerable<KeyValuePair<string, object?>> kwargs) => architecture switch
    {
        NetworkArchitecture.MambaIR => MambaIRConfig.FromKwargs(kwargs),
        NetworkArchitecture.MambaIRv2 => MambaIRv2Config.FromKwargs(kwargs, light: false),
        NetworkArchitecture.MambaIRv2Light => MambaIRv2Config.FromKwargs(kwargs, light: true),
        NetworkArchitecture.MambaIRUNet => MambaIRUNetConfig.FromKwargs(kwargs),
        _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "unknown architecture"),
    };

    /// <summary>The config of <paramref name="architecture"/> from a json object of keyword arguments (a reference vector's <c>kwargs</c>).</summary>
    public static INetworkConfig FromJson(NetworkArchitecture architecture, JsonElement kwargs)
    {
        if (kwargs.ValueKind != JsonValueKind.Object) throw new ArgumentException($"{architecture} config: expected a json object of keyword arguments, got {kwargs.ValueKind}");
        return FromKwargs(architecture, kwargs.EnumerateObject().Select(p => new KeyValuePair<string, object?>(p.Name, KwargValues.FromJson(p.Value))));
    }

    /// <summary>A few words naming the family, e.g. <c>MambaIR v1</c>, <c>MambaIRv2-light</c>.</summary>
    public static string Label(this NetworkArchitecture architecture) => architecture switch
    {
        NetworkArchitecture.MambaIR => "MambaIR v1",
        NetworkArchitecture.MambaIRv2 => "MambaIRv2",
        NetworkArchitecture.MambaIRv2Light => "MambaIRv2-light",
        _ => "MambaIR U-Net",
    };
}
