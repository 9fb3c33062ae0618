using System.Globalization;

namespace MambaIR.Evaluation;

/// <summary>One published figure: a method's PSNR (dB) and SSIM on one test set at one degradation level.</summary>
/// <param name="Table">The table it comes from: <c>classic</c>, <c>light</c>, <c>color-dn</c>, or <c>jpeg-car</c>.</param>
/// <param name="Method">The row label as printed, e.g. <c>MambaIR</c>, <c>MambaIR+</c>, <c>MambaIRv2-B</c>.</param>
/// <param name="Task">The task the level belongs to.</param>
/// <param name="Level">Scale (SR), σ (denoising) or JPEG quality.</param>
/// <param name="Dataset">Canonical test-set name (see <see cref="PublishedResults.CanonicalDataset"/>).</param>
/// <param name="Psnr">PSNR in dB as printed.</param>
/// <param name="Ssim">SSIM as printed, or null where the paper gives PSNR only.</param>
/// <param name="Source">Where the number was taken from.</param>
/// <param name="Note">A caveat about this number, if any.</param>
public sealed record PublishedResult(string Table, string Method, RestorationTask Task, int Level, string Dataset,
    double Psnr, double? Ssim, string Source, string? Note = null);

/// <summary>
/// The published MambaIR results (classic SR, lightweight SR, colour Gaussian denoising, grey JPEG CAR),
/// carried as data with their source so reports can show them beside measured numbers.
/// Transcribed from the tables described in the project's MambaIR spec (§5), which were read from the images in the
/// official repository (csguoh/MambaIR: branch <c>mambair</c> for v1, <c>main</c> for v2).
/// </summary>
public static class PublishedResults
{
    /// <summary>Source of the classic-SR rows.</summary>
    public const string ClassicSource = "MambaIR (ECCV 2024) Table: classic SR, csguoh/MambaIR branch mambair assets/classicSR.png; MambaIRv2 (CVPR 2025) classic-SR table, branch main assets";

    /// <summary>Source of the lightweight-SR rows.</summary>
    public const string LightSource = "MambaIRv2 (CVPR 2025) lightweight-SR table (current MambaIR-light architecture), csguoh/MambaIR main assets; historic rows: MambaIR v1 paper assets/lightSR.png";

    /// <summary>Source of the colour-denoising rows.</summary>
    public const string DenoiseSource = "MambaIR v1 paper Gaussian colour denoising table, csguoh/MambaIR branch mambair assets/gaussian_dn.png; σ15 v2 rows: MambaIRv2 paper";

    /// <summary>Source of the JPEG CAR rows.</summary>
    public const string JpegSource = "MambaIRv2 (CVPR 2025) Table 6: grey JPEG compression artifact reduction";


    static readonly string[] SrSets = ["Set5", "Set14", "B100", "Urban100", "Manga109"];
    static readonly string[] DnSets = ["CBSD68", "Kodak24", "McMaster", "Urban100"];

    /// <summary>Every published figure carried.</summary>
    public static IReadOnlyList<PublishedResult> All { get; } = Build();

    /// <summary>
    /// The published tables to show beside <paramref name="model"/>'s results: classic or light SR for SR networks (by
    /// their upsampler), colour denoising for RGB denoisers, grey JPEG CAR for grey artifact removers; the identity baseline
    /// is shown beside the task's table. None for the bicubic baseline.
    /// </summary>
    public static IReadOnlyList<string> TablesFor(RestorationTask task, Models.ModelDescriptor model) => task switch
    {
        _ when model.IsBaseline && task == RestorationTask.SuperResolution => [],
        RestorationTask.SuperResolution => [model.Network?.Upsampler == Models.Upsampler.PixelShuffleDirect ? "light" : "classic"],
        RestorationTask.Denoising when model.InputChannels == 3 => ["color-dn"],
        RestorationTask.JpegArtifactRemoval when model.InputChannels == 1 => ["jpeg-car"],
        _ => [],
    };

    /// <summary>The published figures for one task, level and test set (all tables and methods), in table order.</summary>
    public static IReadOnlyList<PublishedResult> Find(RestorationTask task, int level, string dataset)
    {
        string? canonical = CanonicalDataset(dataset);
        if (canonical == null) return [];
        return All.Where(r => r.Task == task && r.Level == level && r.Dataset == canonical).ToList();
    }

    /// <summary>
    /// Maps the usual spellings of the benchmark names (case-insensitive; <c>BSD100</c>, <c>BSDS100</c>, <c>B100</c>;
    /// <c>Kodak</c>; <c>LIVE</c>) to the canonical name used in the tables, or null when the set is not a published one.
    /// </summary>
    public static string? CanonicalDataset(string name)
    {
        string key = new string(name.Where(char.IsLetterOrDigit).ToArray()).ToLowerInvariant();
        return key switch
        {
            "set5" => "Set5",
            "set14" => "Set14",
            "b100" or "bsd100" or "bsds100" => "B100",
            "urban100" => "Urban100",
            "manga109" => "Manga109",
            "cbsd68" or "bsd68" => "CBSD68",
            "kodak24" or "kodak" => "Kodak24",
            "mcmaster" or "mcmaster18" => "McMaster",
            "classic5" => "Classic5",
            "live1" or "live" => "LIVE1",
            _ => null,
        };
    }

    static List<PublishedResult> Build()
    {
        var rows = new List<PublishedResult>();

        void Sr(string table, string method, int scale, string source, string values, string? note = null)
        {
            var cells = values.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cells.Length != SrSets.Length) throw new InvalidOperationException($"{method} ×{scale}: {cells.Length} cells");
            for (int i = 0; i < cells.Length; i++)
            {
                var (psnr, ssim) = ParseCell(cells[i]);
                string? cellNote = method == "MambaIR+" && scale == 4 && SrSets[i] == "Set5"
                    ? "printed as 31.13 in the paper's table; very likely a typo for 33.13" : note;
                rows.Add(new(table, method, RestorationTask.SuperResolution, scale, SrSets[i], psnr, ssim, source, cellNote));
            }
        }

        // Classic SR (PSNR/SSIM on Y, crop = scale).
        Sr("classic", "MambaIR", 2, ClassicSource, "38.57/0.9627 34.67/0.9261 32.58/0.9048 34.15/0.9446 40.28/0.9806");
        Sr("classic", "MambaIR+", 2, ClassicSource, "38.60/0.9628 34.69/0.9260 32.60/0.9048 34.17/0.9443 40.33/0.9806");
        Sr("classic", "MambaIRv2-S", 2, ClassicSource, "38.53/0.9627 34.62/0.9256 32.59/0.9048 34.24/0.9454 40.27/0.9808");
        Sr("classic", "MambaIRv2-B", 2, ClassicSource, "38.65/0.9631 34.89/0.9275 32.62/0.9053 34.49/0.9468 40.42/0.9810");
        Sr("classic", "MambaIRv2-L", 2, ClassicSource, "38.65/0.9632 34.93/0.9276 32.62/0.9053 34.60/0.9475 40.55/0.9807");
        Sr("classic", "MambaIR", 3, ClassicSource, "35.08/0.9323 30.99/0.8536 29.51/0.8157 29.93/0.8841 35.43/0.9546");
        Sr("classic", "MambaIR+", 3, ClassicSource, "35.13/0.9326 31.06/0.8541 29.53/0.8162 29.98/0.8838 35.55/0.9549");
        Sr("classic", "MambaIRv2-S", 3, ClassicSource, "35.09/0.9326 31.07/0.8547 29.51/0.8157 30.08/0.8871 35.44/0.9549");
        Sr("classic", "MambaIRv2-B", 3, ClassicSource, "35.18/0.9334 31.12/0.8557 29.55/0.8169 30.28/0.8905 35.61/0.9556");
        Sr("classic", "MambaIRv2-L", 3, ClassicSource, "35.16/0.9334 31.18/0.8564 29.57/0.8175 30.34/0.8912 35.72/0.9561");
        Sr("classic", "MambaIR", 4, ClassicSource, "33.03/0.9046 29.20/0.7961 27.98/0.7503 27.68/0.8287 32.32/0.9272");
        Sr("classic", "MambaIR+", 4, ClassicSource, "31.13/0.9054 29.25/0.7971 28.01/0.7510 27.80/0.8303 32.48/0.9281");
        Sr("classic", "MambaIRv2-S", 4, ClassicSource, "32.99/0.9037 29.23/0.7965 27.97/0.7502 27.73/0.8307 32.33/0.9276");
        Sr("classic", "MambaIRv2-B", 4, ClassicSource, "33.14/0.9057 29.23/0.7975 28.00/0.7511 27.89/0.8344 32.57/0.9295");
        Sr("classic", "MambaIRv2-L", 4, ClassicSource, "33.19/0.9062 29.29/0.7982 28.01/0.7521 28.07/0.8383 32.66/0.9304");

        // Lightweight SR.
        const string historic = "historic MambaIR-light (March-2024 architecture, v1 paper); the released light checkpoints use the current architecture";
        Sr("light", "MambaIR-light", 2, LightSource, "38.13/0.9610 33.95/0.9208 32.31/0.9013 32.85/0.9349 39.20/0.9782");
        Sr("light", "MambaIRv2-light", 2, LightSource, "38.26/0.9615 34.09/0.9221 32.36/0.9019 33.26/0.9378 39.35/0.9785");
        Sr("light", "MambaIR-light (v1 paper)", 2, LightSource, "38.16/0.9610 34.00/0.9212 32.34/0.9017 32.92/0.9356 39.31/0.9779", historic);
        Sr("light", "MambaIR-light", 3, LightSource, "34.63/0.9288 30.54/0.8459 29.23/0.8084 28.70/0.8631 34.12/0.9479");
        Sr("light", "MambaIRv2-light", 3, LightSource, "34.71/0.9298 30.68/0.8483 29.26/0.8098 29.01/0.8689 34.41/0.9497");
        Sr("light", "MambaIR-light (v1 paper)", 3, LightSource, "34.72/0.9296 30.63/0.8475 29.29/0.8099 29.00/0.8689 34.39/0.9495", historic);
        Sr("light", "MambaIR-light", 4, LightSource, "32.42/0.8977 28.74/0.7847 27.68/0.7400 26.52/0.7983 30.94/0.9135");
        Sr("light", "MambaIRv2-light", 4, LightSource, "32.51/0.8992 28.84/0.7878 27.75/0.7426 26.82/0.8079 31.24/0.9182");
        Sr("light", "MambaIR-light (v1 paper)", 4, LightSource, "32.51/0.8993 28.85/0.7876 27.75/0.7423 26.75/0.8051 31.26/0.9175", historic);


        // Colour Gaussian denoising (PSNR on RGB, crop 0); the tables give PSNR only.
        void Dn(string method, int sigma, string psnrs, string? note = null)
        {
            var cells = psnrs.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (int i = 0; i < cells.Length; i++)
                rows.Add(new("color-dn", method, RestorationTask.Denoising, sigma, DnSets[i], Parse(cells[i]), null, DenoiseSource, note));
        }
        Dn("MambaIR", 15, "34.43 35.34 35.62 35.17");
        Dn("MambaIR", 25, "31.80 32.91 33.35 32.99");
        Dn("MambaIR", 50, "28.61 29.85 30.31 30.07");
        Dn("MambaIR+", 15, "34.44 35.35 35.63 35.17");
        Dn("MambaIR+", 25, "31.82 32.92 33.36 32.99");
        Dn("MambaIR+", 50, "28.64 29.87 30.32 30.06");
        Dn("MambaIR (v2 paper)", 15, "34.48 35.42 35.70 35.37", "MambaIR as re-reported in the MambaIRv2 paper");
        Dn("MambaIRv2", 15, "34.48 35.43 35.73 35.42");

        // Grey JPEG CAR (PSNR/SSIM on Y = grey, crop 0).
        void Car(string dataset, int q, string mambair, string v2)
        {
            var (p1, s1) = ParseCell(mambair);
            var (p2, s2) = ParseCell(v2);
            rows.Add(new("jpeg-car", "MambaIR", RestorationTask.JpegArtifactRemoval, q, dataset, p1, s1, JpegSource));
            rows.Add(new("jpeg-car", "MambaIRv2", RestorationTask.JpegArtifactRemoval, q, dataset, p2, s2, JpegSource));
        }
        Car("Classic5", 10, "30.27/0.8256", "30.37/0.8269");
        Car("Classic5", 30, "33.74/0.8965", "33.81/0.8970");
        Car("Classic5", 40, "34.53/0.9084", "34.64/0.9093");
        Car("LIVE1", 10, "29.88/0.8301", "29.91/0.8301");
        Car("LIVE1", 30, "33.72/0.9179", "33.73/0.9179");
        Car("LIVE1", 40, "34.70/0.9320", "34.73/0.9323");
        return rows;
    }

    static (double Psnr, double Ssim) ParseCell(string cell)
    {
        var parts = cell.Split('/');
        return (Parse(parts[0]), Parse(parts[1]));
    }

    static double Parse(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
}
