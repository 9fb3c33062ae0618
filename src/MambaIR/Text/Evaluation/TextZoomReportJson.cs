using System.Text.Json;
using System.Text.Json.Nodes;

namespace MambaIR.Text.Evaluation;

/// <summary>The report as JSON: per model and subset the image count, PSNR, SSIM and per-recognizer correct count and
/// accuracy; the batch size; the non-comparable recognizers; the skipped samples with reasons.</summary>
public static class TextZoomReportJson
{
    /// <summary>Serialises <paramref name="report"/> (indented).</summary>
    public static string Serialize(TextZoomReport report)
    {
        JsonObject Score(TextZoomScore s) => new()
        {
            ["subset"] = s.Subset,
            ["samples"] = s.Samples,
            ["psnr"] = s.Psnr,
            ["ssim"] = s.Ssim,
            ["basicsr_psnr"] = s.BasicSrPsnr,
            ["basicsr_ssim"] = s.BasicSrSsim,
            ["correct"] = new JsonObject(s.Correct.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["accuracy"] = new JsonObject(s.Correct.Keys.Select(k => KeyValuePair.Create(k, (JsonNode?)s.Accuracy(k)))),
        };
        var root = new JsonObject
        {
            ["protocol"] = "TextZoom x2; accuracy: lower-case, [0-9a-z], exact match; PSNR/SSIM: TSRN per-batch definition",
            ["batch_size"] = report.BatchSize,
            ["recognizers"] = new JsonArray(report.Recognizers.Select(r => (JsonNode?)r).ToArray()),
            ["not_comparable_with_published"] = new JsonArray(report.NotComparableRecognizers.Select(r => (JsonNode?)r).ToArray()),
            ["rows"] = new JsonArray(report.Rows.Select(r => (JsonNode?)new JsonObject
            {
                ["model"] = r.Model,
                ["subsets"] = new JsonArray(r.Subsets.Select(s => (JsonNode?)Score(s)).ToArray()),
                ["average"] = Score(r.Average),
            }).ToArray()),
            ["skipped"] = new JsonArray(report.Skipped.Select(s => (JsonNode?)new JsonObject { ["sample"] = s.SampleId, ["reason"] = s.Reason }).ToArray()),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
