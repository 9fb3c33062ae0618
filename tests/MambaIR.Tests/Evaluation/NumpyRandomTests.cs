using MambaIR.Evaluation;

namespace MambaIR.Tests.Evaluation;

public class NumpyRandomTests
{
    [Fact]
    public void Mt19937_MatchesReferenceOutputs()
    {
        // std::mt19937 default seed 5489: first output 3499211612, 10000th output 4123659995 (C++ standard [rand.predef]).
        var mt = new Mt19937(5489);
        Assert.Equal(3499211612u, mt.NextUInt32());
        for (int i = 2; i < 10000; i++) mt.NextUInt32();
        Assert.Equal(4123659995u, mt.NextUInt32());
    }

    [Fact]
    public void Mt19937_Seed0_MatchesNumpy()
    {
        // std::mt19937(0) (= np.random.seed(0)'s state) first words: 2357136044, 2546248239, 3071714933.
        var mt = new Mt19937(0);
        Assert.Equal(2357136044u, mt.NextUInt32());
        Assert.Equal(2546248239u, mt.NextUInt32());
        Assert.Equal(3071714933u, mt.NextUInt32());
        // np.random.seed(0); np.random.rand() = 0.5488135039273248, then 0.7151893663724195.
        var r = new NumpyRandom(0);
        Assert.Equal(0.5488135039273248, r.NextDouble());
        Assert.Equal(0.7151893663724195, r.NextDouble());
    }

    [Fact]
    public void StandardNormal_Seed0_MatchesNumpyRandn()
    {
        // np.random.seed(0); np.random.randn(3) = [1.764052345967664, 0.4001572083672233, 0.9787379841057392]
        var r = new NumpyRandom(0);
        Assert.Equal(1.764052345967664, r.StandardNormal());
        Assert.Equal(0.4001572083672233, r.StandardNormal());
        Assert.Equal(0.9787379841057392, r.StandardNormal());
        Assert.Equal(2.240893199201458, r.StandardNormal());
        Assert.Equal(1.8675579901499675, r.StandardNormal());
    }

    [Fact]
    public void GaussianNoise_IsSeededPerImageInChannelLastOrder()
    {
        // Channel-last order: element (h=0, w=0, c=1) gets the second draw.
        var img = new float[2 * 2 * 3];
        Array.Fill(img, 0.5f);
        GaussianNoise.AddInPlace(img, 15);
        Assert.Equal((float)(0.5 + 15 / 255.0 * 1.764052345967664), img[0]);
        Assert.Equal((float)(0.5 + 15 / 255.0 * 0.4001572083672233), img[1]);
        var again = new float[12];
        Array.Fill(again, 0.5f);
        GaussianNoise.AddInPlace(again, 15);
        Assert.Equal(img, again); // re-seeded: the same noise for every image
    }

    [Fact]
    public void GaussianNoise_MatchesNumpyOnAWholeImage()
    {
        // /usr/bin/python3 (numpy 1.24): np.random.seed(0); x = (np.arange(40*50*3).reshape(40,50,3) % 256).astype(np.float32) / 255.
        // x += np.random.normal(0, 25/255., x.shape)  ->  x[17,33,2] = 0.3934192359447479, x[39,49,0] = 0.37471717596054077,
        // x.astype(np.float64).sum() = 2959.2899105898105
        var x = new float[40 * 50 * 3];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(i % 256) / 255f;
        GaussianNoise.AddInPlace(x, 25);
        Assert.Equal(0.3934192359447479f, x[(17 * 50 + 33) * 3 + 2]);
        Assert.Equal(0.37471717596054077f, x[(39 * 50 + 49) * 3 + 0]);
        Assert.Equal(2959.2899105898105, x.Sum(v => (double)v), 9);
    }
}
