using MambaIR.Native;
using MambaIR.Text.Recognizers;
using static TorchSharp.torch;

namespace MambaIR.Tests.Text.Recognizers;

public class RecognizerInputsTests
{
    public RecognizerInputsTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void GreyscaleAtTargetSizeIsTheLumaMix()
    {
        using var scope = NewDisposeScope();
        var sr = rand(2, 4, 32, 100, ScalarType.Float64);
        var grey = RecognizerInputs.Greyscale32x100(sr);
        var expected = 0.299 * sr[.., 0..1] + 0.587 * sr[.., 1..2] + 0.114 * sr[.., 2..3];
        Assert.Equal([2L, 1, 32, 100], grey.shape);
        Assert.True(grey.eq(expected).all().item<bool>());
    }

    [Fact]
    public void GreyscaleResizesWithPyTorchBicubic()
    {
        using var scope = NewDisposeScope();
        const int h = 7, w = 23;
        var sr = rand(1, 3, h, w, ScalarType.Float64);
        var grey = RecognizerInputs.Greyscale32x100(sr);
        var mix = (0.299 * sr[0, 0] + 0.587 * sr[0, 1] + 0.114 * sr[0, 2]).data<double>().ToArray();
        var expected = SeparableBicubic(mix, h, w, 32, 100);
        var actual = grey.reshape(-1).data<double>().ToArray();
        for (int i = 0; i < actual.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) < 1e-12, $"pixel {i}: {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void AsterInputIsRgbMappedToMinusOneOne()
    {
        using var scope = NewDisposeScope();
        var sr = rand(3, 4, 32, 128);
        var input = RecognizerInputs.AsterRgb(sr);
        Assert.Equal([3L, 3, 32, 128], input.shape);
        Assert.True(input.eq(sr[.., ..3] * 2 - 1).all().item<bool>());
    }

    [Fact]
    public void RejectsImagesWithoutRgb()
    {
        using var grey = rand(1, 1, 32, 100);
        var e = Assert.Throws<ArgumentException>(() => RecognizerInputs.Greyscale32x100(grey));
        Assert.Contains("(1, 1, 32, 100)", e.Message);
        using var bytes = zeros(1, 3, 32, 100, ScalarType.Byte);
        Assert.Throws<ArgumentException>(() => RecognizerInputs.AsterRgb(bytes));
    }

    /// <summary>Independent oracle: Keys cubic a = −0.75, half-pixel centres, clamped taps; the image mixed to grey before resizing (both steps are linear).</summary>
    static double[] SeparableBicubic(double[] img, int h, int w, int oh, int ow)
    {
        double[] Weights(double t)
        {
            const double a = -0.75;
            double C1(double x) => ((a + 2) * x - (a + 3)) * x * x + 1;
            double C2(double x) => ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
            return [C2(t + 1), C1(t), C1(1 - t), C2(2 - t)];
        }
        var tmp = new double[h * ow];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < ow; x++)
            {
                double src = (x + 0.5) * w / ow - 0.5;
                int x0 = (int)Math.Floor(src);
                var wt = Weights(src - x0);
                double s = 0;
                for (int k = 0; k < 4; k++) s += wt[k] * img[y * w + Math.Clamp(x0 - 1 + k, 0, w - 1)];
                tmp[y * ow + x] = s;
            }
        var result = new double[oh * ow];
        for (int y = 0; y < oh; y++)
        {
            double src = (y + 0.5) * h / oh - 0.5;
            int y0 = (int)Math.Floor(src);
            var wt = Weights(src - y0);
            for (int x = 0; x < ow; x++)
            {
                double s = 0;
                for (int k = 0; k < 4; k++) s += wt[k] * tmp[Math.Clamp(y0 - 1 + k, 0, h - 1) * ow + x];
                result[y * ow + x] = s;
            }
        }
        return result;
    }
}
