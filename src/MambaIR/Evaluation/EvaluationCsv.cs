using System.Globalization;
using System.Text;

namespace MambaIR.Evaluation;

/// <summary>
/// Per-image CSV: header <c>dataset,image,width,height,psnr,ssim,seconds,ground_truth,input</c>, one row per evaluated
/// image (PSNR in dB with full precision, <c>inf</c> for identical images; <c>seconds</c> = restoration time; <c>input</c>
/// empty when the input was synthesised). RFC 4180 quoting; invariant culture.
/// </summary>
public static class EvaluationCsv
{
    /// <summary>The column names, in order.</summary>
    public static readonly string[] Columns = ["dataset", "image", "width", "height", "psnr", "ssim", "seconds", "ground_truth", "input"];

    /// <summary>The CSV text.</summary>
    public static string Format(EvaluationResult result)
    {
        var sb = new StringBuilder();
        sb.Append(string.Join(',', Columns)).Append('\n');
        foreach (var d in result.Datasets)
            foreach (var i in d.Images)
                sb.Append(string.Join(',', Quote(d.Name), Quote(i.Name), Num(i.Width), Num(i.Height), Num(i.Psnr), Num(i.Ssim),
                    Num(i.Seconds), Quote(i.GroundTruthPath), Quote(i.InputPath ?? ""))).Append('\n');
        return sb.ToString();
    }

    /// <summary>Writes <see cref="Format"/> to <paramref name="path"/> (UTF-8, no BOM), creating the folder.</summary>
    public static void Write(EvaluationResult result, string path) => EvaluationJson.WriteText(path, Format(result));

    static string Num(double v) => double.IsPositiveInfinity(v) ? "inf" : v.ToString("R", CultureInfo.InvariantCulture);

    static string Num(int v) => v.ToString(CultureInfo.InvariantCulture);

    static string Quote(string s) => s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";
}
