using MambaIR.Imaging;
using MambaIR.Inference;

namespace MambaIR.Tests.Inference;

[Collection("torch")]
public class BatchRestorerTests
{
    static readonly ImageRestorer Doubler = new(new RestorationNetwork(StandInNetworks.NearestUpsampler(2), 2, 3), TilingPolicy.Whole);

    static void WriteImage(string path, int w = 9, int h = 7)
    {
        var px = new float[3 * w * h];
        for (int i = 0; i < px.Length; i++) px[i] = (i % 200) / 255f;
        ImageFile.Write(path, new RasterImage(w, h, 3, px));
    }

    [Fact]
    public void A_corrupt_file_does_not_stop_the_folder()
    {
        string dir = TestPaths.NewTempDir(), input = Path.Combine(dir, "in"), output = Path.Combine(dir, "out");
        Directory.CreateDirectory(input);
        WriteImage(Path.Combine(input, "a.png"));
        WriteImage(Path.Combine(input, "b.jpg"));
        File.WriteAllBytes(Path.Combine(input, "c.png"), new byte[] { 0x89, 0x50, 0x4E, 0x47, 1, 2, 3, 4, 5 });  // PNG signature, then garbage
        WriteImage(Path.Combine(input, "d.bmp"));
        File.WriteAllText(Path.Combine(input, "notes.txt"), "not an image");
        var events = new List<BatchProgress>();

        var summary = new BatchRestorer(Doubler, new OutputNaming(output, "x2", "png"))
            .Run(new[] { input }, recursive: false, new SynchronousProgress<BatchProgress>(events.Add));

        Assert.Equal(new[] { "a_x2.png", "b_x2.png", "d_x2.png" }, summary.Restored.Select(r => Path.GetFileName(r.Output)));
        var failure = Assert.Single(summary.Failed);
        Assert.EndsWith("c.png", failure.Source);
        Assert.Contains("c.png", failure.Message);
        Assert.Equal(1, summary.ExitCode);
        Assert.Equal(new[] { "a_x2.png", "b_x2.png", "d_x2.png" }, Directory.GetFiles(output).Select(Path.GetFileName).Order());
        Assert.Equal((18, 14), (ImageFile.Read(Path.Combine(output, "a_x2.png")).Width, ImageFile.Read(Path.Combine(output, "a_x2.png")).Height));
        Assert.Contains(events, e => e.Stage == BatchStage.Failed && e.Source.EndsWith("c.png"));
        Assert.Equal(3, events.Count(e => e.Stage == BatchStage.Restored));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Inputs_are_never_overwritten_unless_asked()
    {
        string dir = TestPaths.NewTempDir();
        string file = Path.Combine(dir, "photo.png");
        WriteImage(file);
        byte[] original = File.ReadAllBytes(file);

        var summary = new BatchRestorer(Doubler, new OutputNaming(dir, "", "same")).Run(new[] { file }, recursive: false);
        Assert.Empty(summary.Restored);
        Assert.Contains("replace an input", Assert.Single(summary.Skipped).Reason);
        Assert.Equal(original, File.ReadAllBytes(file));
        Assert.Equal(0, summary.ExitCode);

        var forced = new BatchRestorer(Doubler, new OutputNaming(dir, "", "same"), overwrite: true).Run(new[] { file }, recursive: false);
        Assert.Single(forced.Restored);
        Assert.Equal(18, ImageFile.Read(file).Width);
        Assert.Single(Directory.GetFiles(dir));          // no temporary file left behind
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Existing_outputs_are_skipped_and_missing_inputs_reported()
    {
        string dir = TestPaths.NewTempDir(), output = Path.Combine(dir, "out");
        string file = Path.Combine(dir, "a.png");
        WriteImage(file);
        var restorer = new BatchRestorer(Doubler, new OutputNaming(output, "sr", "png"));
        Assert.Single(restorer.Run(new[] { file }, false).Restored);
        var again = restorer.Run(new[] { file, Path.Combine(dir, "missing.png") }, false);
        Assert.Empty(again.Restored);
        Assert.Contains("--overwrite", Assert.Single(again.Skipped).Reason);
        Assert.Contains("no such file", Assert.Single(again.Failed).Message);
        Assert.Equal(1, again.ExitCode);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Recursive_mirrors_sub_folders_and_name_clashes_keep_the_source_extension()
    {
        string dir = TestPaths.NewTempDir(), input = Path.Combine(dir, "in"), output = Path.Combine(dir, "out");
        Directory.CreateDirectory(Path.Combine(input, "sub"));
        WriteImage(Path.Combine(input, "a.png"));
        WriteImage(Path.Combine(input, "a.jpg"));
        WriteImage(Path.Combine(input, "sub", "b.webp"));

        var flat = new BatchRestorer(Doubler, new OutputNaming(output, "s", "png")).Run(new[] { input }, recursive: false);
        Assert.Equal(new[] { "a_jpg_s.png", "a_png_s.png" }, flat.Restored.Select(r => Path.GetFileName(r.Output)).Order());

        var deep = new BatchRestorer(Doubler, new OutputNaming(output, "s", "same")).Run(new[] { input }, recursive: true);
        Assert.Equal(3, deep.Restored.Count);
        Assert.True(File.Exists(Path.Combine(output, "sub", "b_s.webp")));
        Assert.True(File.Exists(Path.Combine(output, "a_s.jpg")));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Outputs_inside_an_input_folder_are_not_restored_again()
    {
        string dir = TestPaths.NewTempDir(), output = Path.Combine(dir, "restored");
        WriteImage(Path.Combine(dir, "a.png"));
        var restorer = new BatchRestorer(Doubler, new OutputNaming(output, "x2", "png"));
        Assert.Single(restorer.Run(new[] { dir }, recursive: true).Restored);
        var second = restorer.Run(new[] { dir }, recursive: true);
        Assert.Empty(second.Restored);
        Assert.Single(second.Skipped);                     // a.png again (its output exists), not restored/a_x2.png
        Assert.Single(Directory.GetFiles(output));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Cancelling_stops_cleanly_with_the_summary_so_far()
    {
        string dir = TestPaths.NewTempDir(), output = Path.Combine(dir, "out");
        WriteImage(Path.Combine(dir, "a.png"), 40, 30);
        WriteImage(Path.Combine(dir, "b.png"), 40, 30);
        using var cancel = new CancellationTokenSource();
        var restorer = new ImageRestorer(new RestorationNetwork(x => { cancel.Cancel(); return x.clone(); }, 1, 3), TilingPolicy.Fixed(16, 4));
        var summary = new BatchRestorer(restorer, new OutputNaming(output, "s", "png")).Run(new[] { dir }, false, null, cancel.Token);
        Assert.True(summary.Cancelled);
        Assert.Equal(130, summary.ExitCode);
        Assert.Empty(summary.Restored);
        Assert.False(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any());
        Directory.Delete(dir, true);
    }

    [Theory]
    [InlineData("gif")]
    [InlineData("")]
    public void Unknown_formats_are_rejected(string format) =>
        Assert.Throws<ArgumentException>(() => new OutputNaming("out", "x", format));
}
