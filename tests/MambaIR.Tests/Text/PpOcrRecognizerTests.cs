using MambaIR.Text;
using MambaIR.Text.Recognizers;
using MambaIR.Text.PpOcr;
using MambaIR.Text.Synthetic;
using TorchSharp;

namespace MambaIR.Tests.Text;

/// <summary>
/// The real PP-OCRv4 recognizer. It must be installed (scripts/install-ppocr.sh, run by CI) — these tests fail, not skip,
/// without it, so set MAMBAIR_PPOCR_DIR or run the script.
/// </summary>
[Collection("torch")]
public class PpOcrRecognizerTests(PpOcrRecognizerTests.Installed installed) : IClassFixture<PpOcrRecognizerTests.Installed>
{
    /// <summary>One ONNX session for the class (creating it takes a second or two).</summary>
    public sealed class Installed : IDisposable
    {
        public ITextRecognizer Recognizer { get; } = TextRecognizerRegistry.Load("ppocr");
        public void Dispose() => Recognizer.Dispose();
    }

    [Fact]
    public void ReadsRenderedWordsAtHighResolution()
    {
        var rec = installed.Recognizer;
        using var gen = new SyntheticTextZoomGenerator(new SyntheticTextZoomOptions { Seed = 11 });
        var samples = Enumerable.Range(0, 24).Select(gen.Generate).ToArray();
        using var batch = torch.stack(samples.Select(s => s.HighRes.ToTensor()).ToArray());
        var pred = rec.Recognize(batch);
        Assert.Equal(samples.Length, pred.Count);
        int correct = samples.Zip(pred).Count(p => TextNormalizer.IsMatch(p.Second, p.First.Label));
        Assert.True(correct >= 20, $"only {correct}/24 read: " + string.Join(", ", samples.Zip(pred).Select(p => $"{p.First.Label}→{p.Second}")));
    }

    [Fact]
    public void BatchResultEqualsSingleImageResultsAndMaskChannelIsIgnored()
    {
        var rec = installed.Recognizer;
        using var gen = new SyntheticTextZoomGenerator(new SyntheticTextZoomOptions { Seed = 5 });
        var imgs = Enumerable.Range(0, 3).Select(i => gen.Generate(i).HighRes.ToTensor()).ToArray();
        using var batch = torch.stack(imgs);
        using var withMask = torch.cat([batch, torch.ones(3, 1, 32, 128)], 1);
        var all = rec.Recognize(batch);
        Assert.Equal(all, rec.Recognize(withMask));
        for (int i = 0; i < 3; i++) Assert.Equal(all[i], rec.Recognize(imgs[i].unsqueeze(0)).Single());
    }

    [Fact]
    public void PreprocessIsHeight48BgrMinusOneToOne()
    {
        using var red = torch.zeros(1, 3, 32, 128);
        red[0, 0] = torch.ones(32, 128);
        using var x = PpOcrRecognizer.Preprocess(red, out int w);
        Assert.Equal(320, w);
        Assert.Equal(new long[] { 1, 3, 48, 320 }, x.shape);
        Assert.Equal(1f, x[0, 2, 10, 10].item<float>());   // R is the last (BGR) channel
        Assert.Equal(-1f, x[0, 0, 10, 10].item<float>());
        Assert.Equal(0f, x[0, 2, 10, 300].item<float>());  // padding beyond 48·4 = 192 columns
    }

    [Fact]
    public void WrongModelFileIsNamed()
    {
        string dir = TestPaths.NewTempDir("ppocr");
        try
        {
            File.WriteAllText(Path.Combine(dir, PpOcrRecognizerProvider.ModelFile), "not onnx");
            File.WriteAllText(Path.Combine(dir, PpOcrRecognizerProvider.KeysFile), "a\nb\n");
            var e = Assert.Throws<InvalidDataException>(() => TextRecognizerRegistry.Load("ppocr=" + dir));
            Assert.Contains(PpOcrRecognizerProvider.ModelFile, e.Message);
            Assert.Contains("nosuch", Assert.Throws<FileNotFoundException>(() => TextRecognizerRegistry.Load("ppocr=/nosuch/x.onnx")).Message);
            Assert.Contains("ppocr", Assert.Throws<ArgumentException>(() => TextRecognizerRegistry.Load("tesseract")).Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
