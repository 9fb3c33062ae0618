using System.Text;
using System.Text.Json;

namespace MambaIR.Evaluation;

/// <summary>
/// Writes an <see cref="EvaluationResult"/> as JSON (schema <c>mambair-eval/1</c>). Layout:
/// <code>
/// {
///   "schema": "mambair-eval/1",
///   "model": "path/to/net_g.pth" | "bicubic" | "identity",
///   "model_description": "...",
///   "task": "sr" | "denoise" | "jpeg",
///   "level": 4,                       // scale (sr), sigma (denoise) or quality (jpeg)
///   "scale": 4, "sigma": null, "quality": null,   // the same level under its own name; null for other tasks
///   "input": "...",                   // how the low-quality input was obtained
///   "procedure": { "tiling": "none" | "official", "self_ensemble": false },
///   "metric": { "crop_border": 4, "y_channel": true },
///   "device": "cpu",
///   "seconds": 1.23, "images": 5, "skipped": 0, "images_per_second": 4.06,
///   "problems": [ "..." ],            // errors not tied to one image
///   "datasets": [ {
///       "name": "Set5", "location": "...", "layout": "...", "images": 5, "skipped": 0, "seconds": 0.9,
///       "mean_psnr": 33.6741, "mean_ssim": 0.9303,
///       "results": [ { "image": "baby", "ground_truth": "...", "input": "..." | null,
///                      "width": 512, "height": 512, "psnr": 37.07, "ssim": 0.95, "seconds": 0.01 } ],
///       "skipped_images": [ { "image": "x", "reason": "..." } ],
///       "published": [ { "table": "classic", "method": "MambaIR", "psnr": 38.57, "ssim": 0.9627 | null,
///                        "source": "...", "note": null } ]
///   } ]
/// }
/// </code>
/// PSNR is in dB; a PSNR of +∞ (identical images) and means over no images are written as <c>null</c>.
/// Times are seconds; per-image <c>seconds</c> is the restoration time only.
/// </summary>
public static class EvaluationJson
{
    /// <summary>The schema identifier written in the <c>schema</c> field.</summary>
    public const string Schema = "mambair-eval/1";

    /// <summary>The JSON text (indented, UTF-8).</summary>
    public static string Format(EvaluationResult r)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("schema", Schema);
            w.WriteString("model", r.Model);
            w.WriteString("model_description", r.ModelDescription);
            w.WriteString("task", r.Task.ShortName());
            w.WriteNumber("level", r.Level);
            WriteLevel(w, "scale", r.Task == RestorationTask.SuperResolution, r.Level);
            WriteLevel(w, "sigma", r.Task == RestorationTask.Denoising, r.Level);
            WriteLevel(w, "quality", r.Task == RestorationTask.JpegArtifactRemoval, r.Level);
            w.WriteString("input", r.Degradation);
            w.WriteStartObject("procedure");
            w.WriteString("tiling", r.Procedure.Tiling == TilingMode.Official ? "official" : "none");
            w.WriteBoolean("self_ensemble", r.Procedure.SelfEnsemble);
            w.WriteEndObject();
            w.WriteStartObject("metric");
            w.WriteNumber("crop_border", r.Metric.CropBorder);
            w.WriteBoolean("y_channel", r.Metric.YChannel);
            w.WriteEndObject();
            w.WriteString("device", r.Device);
            Number(w, "seconds", r.Seconds);
            w.WriteNumber("images", r.ImageCount);
            w.WriteNumber("skipped", r.SkippedCount);
            Number(w, "images_per_second", r.ImagesPerSecond);
            w.WriteStartArray("problems");
            foreach (var p in r.Problems) w.WriteStringValue(p);
            w.WriteEndArray();
            w.WriteStartArray("datasets");
            foreach (var d in r.Datasets) WriteDataset(w, r, d);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes <see cref="Format"/> to <paramref name="path"/>, creating the folder.</summary>
    public static void Write(EvaluationResult result, string path) => WriteText(path, Format(result));

    internal static void WriteText(string path, string text)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        File.WriteAllText(path, text, new UTF8Encoding(false));
    }

    static void WriteDataset(Utf8JsonWriter w, EvaluationResult r, DatasetResult d)
    {
        w.WriteStartObject();
        w.WriteString("name", d.Name);
        w.WriteString("location", d.Location);
        w.WriteString("layout", d.Layout);
        w.WriteNumber("images", d.Images.Count);
        w.WriteNumber("skipped", d.Skipped.Count);
        Number(w, "seconds", d.Seconds);
        Number(w, "mean_psnr", d.MeanPsnr);
        Number(w, "mean_ssim", d.MeanSsim);
        w.WriteStartArray("results");
        foreach (var i in d.Images)
        {
            w.WriteStartObject();
            w.WriteString("image", i.Name);
            w.WriteString("ground_truth", i.GroundTruthPath);
            if (i.InputPath == null) w.WriteNull("input"); else w.WriteString("input", i.InputPath);
            w.WriteNumber("width", i.Width);
            w.WriteNumber("height", i.Height);
            Number(w, "psnr", i.Psnr);
            Number(w, "ssim", i.Ssim);
            Number(w, "seconds", i.Seconds);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("skipped_images");
        foreach (var s in d.Skipped)
        {
            w.WriteStartObject();
            w.WriteString("image", s.Name);
            w.WriteString("reason", s.Reason);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("published");
        foreach (var p in r.PublishedFor(d))
        {
            w.WriteStartObject();
            w.WriteString("table", p.Table);
            w.WriteString("method", p.Method);
            w.WriteNumber("psnr", p.Psnr);
            if (p.Ssim is double s) w.WriteNumber("ssim", s); else w.WriteNull("ssim");
            w.WriteString("source", p.Source);
            if (p.Note == null) w.WriteNull("note"); else w.WriteString("note", p.Note);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    static void WriteLevel(Utf8JsonWriter w, string name, bool applies, int level)
    {
        if (applies) w.WriteNumber(name, level); else w.WriteNull(name);
    }

    static void Number(Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, v); else w.WriteNull(name);
    }
}
