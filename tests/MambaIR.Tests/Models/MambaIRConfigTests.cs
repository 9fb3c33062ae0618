using System.Text.Json;
using MambaIR.Models;

namespace MambaIR.Tests.Models;

public class MambaIRConfigTests
{
    [Fact]
    public void ParsesJsonKwargs()
    {
        var json = JsonDocument.Parse("""{"upscale": 2, "in_chans": 3, "embed_dim": 60, "depths": [2, 2], "d_state": 8, "mlp_ratio": 2.0, "upsampler": "pixelshuffle", "img_range": 1.0, "resi_connection": "1conv"}""");
        var c = MambaIRConfig.FromJson(json.RootElement);
        Assert.Equal(new MambaIRConfig { Upscale = 2, InChans = 3, EmbedDim = 60, Depths = new[] { 2, 2 }, DState = 8, MlpRatio = 2.0, Upsampler = Upsampler.PixelShuffle }, c);
        Assert.Equal(120, c.DInner);
        Assert.Equal(4, c.DtRank);
    }

    [Fact]
    public void ParsesYamlStyleStringsAndIgnoresTrainingOnlyKeys()
    {
        var kv = new Dictionary<string, object?>
        {
            ["type"] = "MambaIR", ["upscale"] = "4", ["in_chans"] = "3", ["img_size"] = "64", ["img_range"] = "1.", ["d_state"] = "10",
            ["depths"] = "[6, 6, 6, 6]", ["embed_dim"] = "60", ["mlp_ratio"] = "1.2", ["upsampler"] = "'pixelshuffledirect'",
            ["resi_connection"] = "1conv", ["window_size"] = "16", ["drop_path_rate"] = "0.1",
        };
        Assert.Equal(MambaIRPresets.Get("light-x4").Config, MambaIRConfig.FromKwargs(kv));
    }

    [Fact]
    public void NoUpsamplerMeansScaleOne()
    {
        var c = MambaIRConfig.FromKwargs(new Dictionary<string, object?> { ["upscale"] = 2, ["upsampler"] = "", ["embed_dim"] = 180 });
        Assert.Equal(1, c.Upscale);
        Assert.Equal(1, c.Scale);
    }

    [Theory]
    [InlineData("embed_dims", 96, "unknown key 'embed_dims'")]
    [InlineData("upsampler", "nearest+conv", "upsampler 'nearest+conv' is not supported")]
    [InlineData("resi_connection", "2conv", "resi_connection '2conv'")]
    [InlineData("type", "MambaIRv2", "not MambaIR (v1)")]
    [InlineData("d_state", "abc", "d_state must be a number")]
    [InlineData("embed_dim", 20, "embed_dim must be ≥ 30")]
    public void RejectsBadValuesNamingThem(string key, object value, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => MambaIRConfig.FromKwargs(new Dictionary<string, object?> { [key] = value }));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void PixelShuffleNeedsPowerOfTwoOrThree()
    {
        var e = Assert.Throws<ArgumentException>(() => MambaIRConfig.FromKwargs(new Dictionary<string, object?> { ["upscale"] = 5, ["upsampler"] = "pixelshuffle" }));
        Assert.Contains("upscale 5 is not supported", e.Message);
        Assert.Equal(5, MambaIRConfig.FromKwargs(new Dictionary<string, object?> { ["upscale"] = 5, ["upsampler"] = "pixelshuffledirect" }).Upscale);
    }

    [Fact]
    public void KwargsRoundTrip()
    {
        foreach (var p in MambaIRPresets.All)
            Assert.Equal(p.Config, MambaIRConfig.FromKwargs(p.Config.ToKwargs().Select(kv => new KeyValuePair<string, object?>(kv.Key, kv.Value))));
    }
}
