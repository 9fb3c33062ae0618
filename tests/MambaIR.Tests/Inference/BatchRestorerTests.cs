using MambaIR;
using MambaIR.Models;
using MambaIR.Imaging;
using MambaIR.Inference;

namespace MambaIR.Tests.Inference;

[Collection("torch")]
public class BatchRestorerTests
{
    static readonly ImageRestorer Doubler = new(ModelDescriptor.ForFunction("network", StandInNetworks.NearestUpsampler(2), 2, 3), TilingPolicy.Whole);

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

        var summary = new BatchRestorer(Doubler, new OutputNaming(output, "x2", OutputFormat.Png))
            .Run(new[] { input }, recursive: false, new SyncProgress<BatchProgress>(events.Add));

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

        var summary = new BatchRestorer(Doubler, new OutputNaming(dir, "", OutputFormat.KeepSource)).Run(new[] { file }, recursive: false);
        Assert.Empty(summary.Restored);
        Assert.Equal(SkipReason.OutputIsInput, Assert.Single(summary.Skipped).Reason);
        Assert.Equal(original, File.ReadAllBytes(file));
        Assert.Equal(0, summary.ExitCode);

        // Not even with overwriting: an input is never replaced.
        var forced = new BatchRestorer(Doubler, new OutputNaming(dir, "", OutputFormat.KeepSource), overwrite: true).Run(new[] { file }, recursive: false);
        Assert.Empty(forced.Restored);
        Assert.Equal(original, File.ReadAllBytes(file));
        Assert.Single(Directory.GetFiles(dir));          // no temporary file left behind
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Existing_outputs_are_skipped_and_missing_inputs_reported()
    {
        string dir = TestPaths.NewTempDir(), output = Path.Combine(dir, "out");
        string file = Path.Combine(dir, "a.png");
        WriteImage(file);
        var restorer = new BatchRestorer(Doubler, new OutputNaming(output, "sr", OutputFormat.Png));
        Assert.Single(restorer.Run(new[] { file }, false).Restored);
        var again = restorer.Run(new[] { file, Path.Combine(dir, "missing.png") }, false);
        Assert.Empty(again.Restored);
        Assert.Equal(SkipReason.OutputExists, Assert.Single(again.Skipped).Reason);
        Assert.Contains("no such file", Assert.Single(again.Failed).Message);
        Assert.Equal(1, again.ExitCode);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Recursive_mirrors_sub_folders_and_a_format_clash_is_refused()
    {
        string dir = TestPaths.NewTempDir(), input = Path.Combine(dir, "in"), output = Path.Combine(dir, "out");
        Directory.CreateDirectory(Path.Combine(input, "sub"));
        WriteImage(Path.Combine(input, "a.png"));
        WriteImage(Path.Combine(input, "a.jpg"));
        WriteImage(Path.Combine(input, "sub", "b.webp"));

        // a.png and a.jpg as PNG would both be a_s.png: refused before anything runs (an output name never depends on
        // which other inputs are present, so no subset-dependent renaming).
        var e = Assert.Throws<OutputCollisionException>(() => new BatchRestorer(Doubler, new OutputNaming(output, "s", OutputFormat.Png)).Run(new[] { input }, recursive: false));
        Assert.Equal(2, Assert.Single(e.Collisions).Sources.Count);
        Assert.False(Directory.Exists(output));

        var deep = new BatchRestorer(Doubler, new OutputNaming(output, "s", OutputFormat.KeepSource)).Run(new[] { input }, recursive: true);
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
        var restorer = new BatchRestorer(Doubler, new OutputNaming(output, "x2", OutputFormat.Png));
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
        var restorer = new ImageRestorer(ModelDescriptor.ForFunction("network", x => { cancel.Cancel(); return x.clone(); }, 1, 3), TilingPolicy.Fixed(16, 4));
        var summary = new BatchRestorer(restorer, new OutputNaming(output, "s", OutputFormat.Png)).Run(new[] { dir }, false, null, cancel.Token);
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
        Assert.Throws<ArgumentException>(() => OutputFormatNames.Parse(format));

    [Fact]
    public void Inputs_with_the_same_name_in_different_folders_are_refused_not_merged()
    {
        // Before: `restore c1/x.png c2/x.png -o out` wrote one file and "skipped" the other (exit 0); with --overwrite both
        // were "restored" and one file remained.
        string dir = TestPaths.NewTempDir(), output = Path.Combine(dir, "out");
        Directory.CreateDirectory(Path.Combine(dir, "c1")); Directory.CreateDirectory(Path.Combine(dir, "c2"));
        string a = Path.Combine(dir, "c1", "x.png"), b = Path.Combine(dir, "c2", "x.png");
        WriteImage(a); WriteImage(b, 5, 5);
        foreach (bool overwrite in new[] { false, true })
        {
            var e = Assert.Throws<OutputCollisionException>(() => new BatchRestorer(Doubler, new OutputNaming(output, "x2", OutputFormat.Png), overwrite: overwrite)
                .Run(new[] { a, b }, recursive: false));
            var collision = Assert.Single(e.Collisions);
            Assert.Equal(new[] { a, b }, collision.Sources);
            Assert.Contains(Path.Combine(output, "x_x2.png"), e.Message);
        }
        Assert.False(Directory.Exists(output));
        // Their common parent folder mirrors the sub-folders: two outputs, named the same whichever subset is given.
        var summary = new BatchRestorer(Doubler, new OutputNaming(output, "x2", OutputFormat.Png)).Run(new[] { dir }, recursive: true);
        Assert.Equal(2, summary.Restored.Count);
        Assert.True(File.Exists(Path.Combine(output, "c1", "x_x2.png")) && File.Exists(Path.Combine(output, "c2", "x_x2.png")));
        Assert.Equal((10, 10), (ImageFile.Read(Path.Combine(output, "c2", "x_x2.png")).Width, ImageFile.Read(Path.Combine(output, "c2", "x_x2.png")).Height));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void A_folder_restored_into_itself_restores_its_images_and_not_its_outputs()
    {
        // Before: `restore same/ -o same/` said "folder contains no supported images" though it held a.png and b.jpg.
        string dir = TestPaths.NewTempDir();
        WriteImage(Path.Combine(dir, "a.png")); WriteImage(Path.Combine(dir, "b.jpg"));
        var restorer = new BatchRestorer(Doubler, new OutputNaming(dir, "x2", OutputFormat.Png));
        var first = restorer.Run(new[] { dir }, recursive: false);
        Assert.Empty(first.Failed);
        Assert.Equal(new[] { "a_x2.png", "b_x2.png" }, first.Restored.Select(r => Path.GetFileName(r.Output)));
        var second = restorer.Run(new[] { dir }, recursive: false);       // the outputs are not inputs now
        Assert.Empty(second.Restored);
        Assert.Equal(2, second.Skipped.Count);
        Assert.Empty(second.Failed);
        // A folder holding only this run's outputs says so.
        string only = TestPaths.NewTempDir();
        WriteImage(Path.Combine(only, "a_x2.png"));
        WriteImage(Path.Combine(only, "a.png"));
        File.Delete(Path.Combine(only, "a.png"));
        var none = new BatchRestorer(Doubler, new OutputNaming(only, "x2", OutputFormat.Png)).Run(new[] { only }, recursive: false);
        Assert.Single(none.Restored);                                     // a_x2.png has no input beside it: it is an input
        Directory.Delete(dir, true); Directory.Delete(only, true);
    }

    [Fact]
    public void An_unwritable_output_folder_is_found_before_any_image_is_computed()
    {
        string dir = TestPaths.NewTempDir();
        WriteImage(Path.Combine(dir, "a.png"));
        string blocker = Path.Combine(dir, "file");
        File.WriteAllText(blocker, "a file where the output folder should be");
        int calls = 0;
        var counting = new ImageRestorer(ModelDescriptor.ForFunction("count", x => { calls++; return x.clone(); }, 1, 3), TilingPolicy.Whole);
        string output = Path.Combine(blocker, "out");
        var e = Assert.ThrowsAny<IOException>(() => new BatchRestorer(counting, new OutputNaming(output, "s", OutputFormat.Png)).Run(new[] { Path.Combine(dir, "a.png") }, false));
        Assert.Contains(output, e.Message);
        Assert.Equal(0, calls);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Shards_split_the_inputs_exactly_and_independently_of_the_other_files()
    {
        string dir = TestPaths.NewTempDir(), output = Path.Combine(dir, "out");
        for (int i = 0; i < 40; i++) File.WriteAllBytes(Path.Combine(dir, $"img{i:D2}.png"), []);
        var batch = new BatchRestorer(Doubler, new OutputNaming(output, "x2", OutputFormat.Png));
        var parts = Enumerable.Range(0, 4).Select(k => batch.Plan(new[] { dir }, false, new Shard(k, 4)).Jobs.Select(j => j.Output).ToList()).ToList();
        var all = batch.Plan(new[] { dir }, false).Jobs.Select(j => j.Output).ToList();
        Assert.Equal(all.Order(), parts.SelectMany(p => p).Order());                // every file in exactly one part
        Assert.All(parts, p => Assert.InRange(p.Count, 3, 20));                     // roughly balanced
        // A file's part does not depend on which other files exist.
        for (int i = 0; i < 20; i++) File.Delete(Path.Combine(dir, $"img{i:D2}.png"));
        var fewer = batch.Plan(new[] { dir }, false, new Shard(1, 4)).Jobs.Select(j => j.Output).ToList();
        Assert.Equal(parts[1].Where(o => string.CompareOrdinal(Path.GetFileName(o), "img20") >= 0), fewer);
        Assert.Throws<ArgumentOutOfRangeException>(() => Shard.Parse("4/4"));
        Assert.Throws<FormatException>(() => Shard.Parse("1-4"));
        Directory.Delete(dir, true);
    }
}
