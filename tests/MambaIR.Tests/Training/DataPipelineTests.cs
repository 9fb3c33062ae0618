using MambaIR.Data;
using MambaIR.Imaging;
using MambaIR.Training.Data;
using MambaIR.Training.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Tests.Training;

/// <summary>CPython's random stream, BasicSR's crop/augment geometry and draw order, the sampler, and the loader's determinism.</summary>
[Collection("torch")]
public class DataPipelineTests
{
    [Fact]
    public void PythonRandom_MatchesCPython()
    {
        // CPython 3.11: r = random.Random(12345); [r.random() for _ in range(3)], [r.randint(0, 100) for _ in range(5)], r.getrandbits(32)
        var r = new PythonRandom(12345);
        Assert.Equal(0.41661987254534116, r.Random());
        Assert.Equal(0.010169169457068361, r.Random());
        Assert.Equal(0.8252065092537432, r.Random());
        Assert.Equal(new[] { 38, 47, 24, 34, 72 }, Enumerable.Range(0, 5).Select(_ => r.RandInt(0, 100)).ToArray());
        Assert.Equal(1873586768u, r.GetRandBits(32));
        // random.Random(10 + (3 << 32) + (7 << 64)): randint(0, 176), randint(0, 96), random() ×3 — a sample key (seed 10, epoch 3, position 7)
        var s = new SampleRandom(10, 3, 7).Python;
        Assert.Equal(157, s.RandInt(0, 176));
        Assert.Equal(16, s.RandInt(0, 96));
        Assert.Equal(0.45073735288568273, s.Random());
        Assert.Equal(0.2941373004644233, s.Random());
        Assert.Equal(0.7719687559722606, s.Random());
        // random.Random(0): random(), randint(0, 0), randint(5, 9)
        var z = new PythonRandom(0);
        Assert.Equal(0.8444218515250481, z.Random());
        Assert.Equal(0, z.RandInt(0, 0));
        Assert.Equal(5, z.RandInt(5, 9));
    }

    static RasterImage Numbered(int w, int h, int c)
    {
        var px = new float[w * h * c];
        for (int i = 0; i < px.Length; i++) px[i] = i;
        return new RasterImage(w, h, c, px);
    }

    [Fact]
    public void RandomCrop_IsBasicSrsAlignedCrop()
    {
        var gt = Numbered(20, 14, 3);
        var lq = Numbered(10, 7, 3);
        var (g, l) = PairedTransforms.RandomCrop(gt, lq, 8, 2, new PythonRandom(5), "x");
        // Independent: the same draws, BasicSR's index arithmetic on the numbered images.
        var r = new PythonRandom(5);
        int top = r.RandInt(0, 7 - 4), left = r.RandInt(0, 10 - 4);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 4; x++)
                    Assert.Equal((c * 7 + top + y) * 10 + left + x, l[c, y, x]);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 8; y++)
                for (int x = 0; x < 8; x++)
                    Assert.Equal((c * 14 + top * 2 + y) * 20 + left * 2 + x, g[c, y, x]);
        Assert.Throws<InvalidDataException>(() => PairedTransforms.RandomCrop(Numbered(21, 14, 3), lq, 8, 2, new PythonRandom(5), "x"));
        var small = Assert.Throws<InvalidDataException>(() => PairedTransforms.RandomCrop(gt, lq, 16, 2, new PythonRandom(5), "file.png"));
        Assert.Contains("file.png", small.Message);
    }

    [Fact]
    public void Augment_MatchesFlipsAndTransposeOfTorch()
    {
        var img = Numbered(5, 3, 3);
        using var t = img.ToTensor();
        foreach (var (h, v, r) in new[] { (true, false, false), (false, true, false), (false, false, true), (true, true, true), (true, false, true) })
        {
            var a = PairedTransforms.Apply(img, (h, v, r));
            var expected = t.clone();
            if (h) expected = expected.flip(3);       // cv2.flip(img, 1): reverse W
            if (v) expected = expected.flip(2);       // cv2.flip(img, 0): reverse H
            if (r) expected = expected.transpose(2, 3); // img.transpose(1, 0, 2)
            using var got = a.ToTensor();
            Assert.True(TensorAssert.Same(got, expected.contiguous()), $"h={h} v={v} r={r}");
        }
        // Draw order: hflip, then vflip and rot90 only when rotation is on (no draw for a disabled flag).
        var d = PairedTransforms.DrawAugment(false, true, new PythonRandom(9));
        var r2 = new PythonRandom(9);
        Assert.Equal((false, r2.Random() < 0.5, r2.Random() < 0.5), d);
        var e = PairedTransforms.DrawAugment(true, false, new PythonRandom(9));
        Assert.Equal((new PythonRandom(9).Random() < 0.5, false, false), e);
    }

    [Fact]
    public void Sampler_IsEnlargedSamplerPermutation()
    {
        var s = new EpochSampler(7, 3, shuffle: true);
        Assert.Equal(21, s.SamplesPerEpoch);
        Assert.Equal(5, s.BatchesPerEpoch(4));       // drop_last
        Assert.Equal(6, s.BasicSrItersPerEpoch(4));  // BasicSR's logged ceil
        using var g = new Generator(2);
        using var perm = randperm(21, ScalarType.Int64, CPU, false, g);
        var expected = perm.data<long>().ToArray().Select(v => (int)(v % 7)).ToArray();
        Assert.Equal(expected, s.Order(2));
        Assert.Equal(Enumerable.Range(0, 21).Select(i => i % 7).OrderBy(i => i), s.Order(2).OrderBy(i => i));
        Assert.NotEqual(s.Order(2), s.Order(3));
        Assert.Equal(Enumerable.Range(0, 21).Select(i => i % 7), new EpochSampler(7, 3, false).Order(5));
    }

    [Fact]
    public void Loader_BatchesDoNotDependOnThreads_AndHrOnlyPairsAreMatlabBicubic()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            string hr = TrainingTestData.MakeHrFolder(Path.Combine(dir, "hr"), count: 5, width: 41, height: 30);
            var o = TrainingTestData.Load(TrainingTestData.WriteOptions(dir, hr)).Train!;
            using var data = new PairedImageDataset(o);
            Assert.True(data.HrOnly);
            var sampler = new EpochSampler(data.Count, o.DatasetEnlargeRatio, o.UseShuffle);
            var reference = new List<TrainingBatch>();
            using (var l0 = new BatchLoader(data, sampler, 3, 10, workers: 0, capacity: 1))
                for (int i = 0; i < 7; i++) reference.Add(l0.Next());   // crosses an epoch (5 batches per epoch)
            Assert.Equal((1L, 1L), (reference[6].Epoch, reference[6].IndexInEpoch));
            foreach (int workers in new[] { 1, 3 })
            {
                using var l = new BatchLoader(data, sampler, 3, 10, workers, capacity: 2);
                for (int i = 0; i < 7; i++)
                {
                    var b = l.Next();
                    Assert.Equal(reference[i].Lq, b.Lq);
                    Assert.Equal(reference[i].Gt, b.Gt);
                    Assert.Equal(reference[i].Indices, b.Indices);
                }
            }
            using (var mid = new BatchLoader(data, sampler, 3, 10, 2, 2, startEpoch: 1, startBatch: 1))
                Assert.Equal(reference[6].Lq, mid.Next().Lq);   // resuming at (epoch, batch) gives the same batch

            // One sample against its definition: HR mod-cropped, LR = MATLAB bicubic of it, BasicSR crop and augment drawn from the sample's key.
            var sample = data.Load(2, new SampleRandom(10, 0, 4));
            var full = BenchmarkBuilder.ModCrop(ImageFile.Read(Path.Combine(hr, "img02.png")), 2);
            var lr = MatlabBicubic.Resize(full, 0.5);
            var rng = new SampleRandom(10, 0, 4).Python;
            var (g, l2) = PairedTransforms.RandomCrop(full, lr, 16, 2, rng, "img02");
            var aug = PairedTransforms.DrawAugment(true, true, rng);
            Assert.Equal(PairedTransforms.Apply(g, aug).Pixels, sample.Gt);
            Assert.Equal(PairedTransforms.Apply(l2, aug).Pixels, sample.Lq);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Dataset_BadInput_IsNamed()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            string hr = TrainingTestData.MakeHrFolder(Path.Combine(dir, "hr"), count: 3);
            string opt = TrainingTestData.WriteOptions(dir, hr);
            var missing = TrainingTestData.Load(opt, $"datasets:train:dataroot_gt={Path.Combine(dir, "nope")}").Train!;
            var e1 = Assert.Throws<DirectoryNotFoundException>(() => new PairedImageDataset(missing));
            Assert.Contains("dataroot_gt", e1.Message);
            Assert.Contains(Path.Combine(dir, "nope"), e1.Message);

            // Paired LR/HR with one LR of the wrong size and one missing.
            string lq = Path.Combine(dir, "lq");
            Directory.CreateDirectory(lq);
            ImageFile.Write(Path.Combine(lq, "img00x2.png"), RasterImage.Zeros(20, 18, 3));
            ImageFile.Write(Path.Combine(lq, "img01x2.png"), RasterImage.Zeros(19, 18, 3));
            var paired = TrainingTestData.Load(opt, $"datasets:train:dataroot_lq={lq}", "datasets:train:filename_tmpl={}x2").Train!;
            var e2 = Assert.Throws<InvalidDataException>(() => new PairedImageDataset(paired));
            Assert.Contains("img02x2.png", e2.Message);        // missing
            File.Copy(Path.Combine(lq, "img00x2.png"), Path.Combine(lq, "img02x2.png"));
            var e3 = Assert.Throws<InvalidDataException>(() => new PairedImageDataset(paired));
            Assert.Contains("img01x2.png is 19×18", e3.Message); // size mismatch names both files
            Assert.Contains("img01.png is 40×36", e3.Message);

            File.WriteAllBytes(Path.Combine(hr, "img03.png"), [0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
            var e4 = Assert.Throws<InvalidDataException>(() => new PairedImageDataset(TrainingTestData.Load(opt).Train!));
            Assert.Contains("img03.png", e4.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Denoising_NoiseIsFloatUnclipped_AndValidationUsesOfficialSeeding()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            string hr = TrainingTestData.MakeHrFolder(Path.Combine(dir, "hr"), count: 2);
            var o = TrainingTestData.Load(TrainingTestData.WriteOptions(dir, hr), "datasets:train:task=denoising_color", "datasets:train:noise=50").Train!;
            using var data = new PairedImageDataset(o);
            var s = data.Load(0, new SampleRandom(10, 0, 0));
            Assert.Equal(s.Gt.Length, s.Lq.Length);
            Assert.Contains(s.Lq, v => v < 0 || v > 1);          // not clipped
            var diff = s.Lq.Zip(s.Gt, (a, b) => (double)a - b).ToArray();
            double sd = Math.Sqrt(diff.Select(d => d * d).Average());
            Assert.InRange(sd, 50 / 255.0 * 0.8, 50 / 255.0 * 1.2);
            var val = data.LoadValidation(1);
            Assert.Equal(MambaIR.Evaluation.GaussianNoise.Apply(val.Gt, 50).Pixels, val.Lq.Pixels);
        }
        finally { Directory.Delete(dir, true); }
    }
}

/// <summary>BasicSR LMDBs as training input give the same samples as the same images on disk.</summary>
[Collection("torch")]
public class LmdbTrainingDataTests
{
    [Fact]
    public void LmdbBackend_GivesTheSameSamplesAsFolders()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            string hr = TrainingTestData.MakeHrFolder(Path.Combine(dir, "hr"), count: 3, width: 40, height: 32);
            string lq = Path.Combine(dir, "lq");
            Directory.CreateDirectory(lq);
            foreach (var f in Directory.GetFiles(hr))
                ImageFile.Write(Path.Combine(lq, Path.GetFileName(f)), MatlabBicubic.Resize(ImageFile.Read(f), 0.5));
            string opt = TrainingTestData.WriteOptions(dir, hr);
            ImageLmdb.WriteFromFiles(Path.Combine(dir, "hr.lmdb"), Directory.GetFiles(hr).Select(f => (Path.GetFileNameWithoutExtension(f), f)));
            ImageLmdb.WriteFromFiles(Path.Combine(dir, "lq.lmdb"), Directory.GetFiles(lq).Select(f => (Path.GetFileNameWithoutExtension(f), f)));
            using var disk = new PairedImageDataset(TrainingTestData.Load(opt, $"datasets:train:dataroot_lq=['{lq}']").Train!);
            using var lmdb = new PairedImageDataset(TrainingTestData.Load(opt, $"datasets:train:dataroot_gt=['{Path.Combine(dir, "hr.lmdb")}']",
                $"datasets:train:dataroot_lq=['{Path.Combine(dir, "lq.lmdb")}']", "datasets:train:io_backend:type=lmdb").Train!);
            Assert.Equal(disk.Count, lmdb.Count);
            for (int i = 0; i < disk.Count; i++)
            {
                var a = disk.Load(i, new SampleRandom(10, 1, i));
                var b = lmdb.Load(i, new SampleRandom(10, 1, i));
                Assert.Equal(a.Gt, b.Gt);
                Assert.Equal(a.Lq, b.Lq);
            }
        }
        finally { Directory.Delete(dir, true); }
    }
}
