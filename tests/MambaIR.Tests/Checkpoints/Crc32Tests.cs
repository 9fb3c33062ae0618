using MambaIR.Checkpoints.Zip;

namespace MambaIR.Tests.Checkpoints;

public class Crc32Tests
{
    static byte[] Pattern(int n) => Enumerable.Range(0, n).Select(i => (byte)((i * 31 + 7) % 256)).ToArray();

    [Theory]
    // Values from Python's zlib.crc32.
    [InlineData(100000, 0x92858800u)]
    [InlineData(1000, 0x8902161eu)]
    [InlineData(77, 0x25c6ce83u)]
    [InlineData(64, 0x84c86088u)]
    public void MatchesZlib(int length, uint expected)
    {
        Assert.Equal(expected, Crc32.Update(0, Pattern(length)));
        Assert.Equal(expected, Crc32.UpdateScalar(0, Pattern(length)));
    }

    [Fact]
    public void CheckValue() => Assert.Equal(0xCBF43926u, Crc32.Update(0, "123456789"u8));

    [Fact]
    public void FoldedPathAgreesWithTableForEveryLengthAndSplit()
    {
        var rng = new Random(5);
        var data = new byte[4096 + 37];
        rng.NextBytes(data);
        for (int n = 0; n <= 300; n++)
            Assert.Equal(Crc32.UpdateScalar(0, data.AsSpan(0, n)), Crc32.Update(0, data.AsSpan(0, n)));
        foreach (int split in new[] { 0, 1, 63, 64, 100, 1000, 4096 })
        {
            uint c = Crc32.Update(Crc32.Update(0, data.AsSpan(0, split)), data.AsSpan(split));
            Assert.Equal(Crc32.UpdateScalar(0, data), c);
        }
    }
}
