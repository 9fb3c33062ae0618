using System.Buffers.Binary;
using Google.Protobuf;
using MambaIR.Training.Logging;

namespace MambaIR.Tests.Training;

/// <summary>The TensorBoard event files: CRC-32C, TFRecord framing, and Event protos, read back with Google.Protobuf's decoder
/// and compared with TorchSharp's own SummaryWriter.</summary>
[Collection("torch")]
public class TensorBoardTests
{
    [Fact]
    public void Crc32C_MatchesTheRfc3720Vectors()
    {
        Assert.Equal(0x8A9136AAu, TensorBoardWriter.Crc32C(new byte[32]));
        Assert.Equal(0x62A8AB43u, TensorBoardWriter.Crc32C(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, TensorBoardWriter.Crc32C(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
        Assert.Equal(0xE3069283u, TensorBoardWriter.Crc32C("123456789"u8));
    }

    [Fact]
    public void EventFile_ReadsBack_AndScalarRecordsEqualTorchSharps()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            string file;
            using (var w = new TensorBoardWriter(Path.Combine(dir, "ours")))
            {
                w.AddScalar("losses/l_pix", 0.125, 7, wallTime: 1700000000);
                w.AddScalar("metrics/Set5/psnr", 31.5, 1000, wallTime: 1700000001);
                w.AddSessionStart(1001);
                file = w.FilePath;
            }
            var records = ReadRecords(file);
            Assert.Equal(4, records.Count);
            var scalars = ReadScalars(file);
            Assert.Equal(new[] { ("losses/l_pix", 7L, 0.125f), ("metrics/Set5/psnr", 1000L, 31.5f) }, scalars.Select(s => (s.Tag, s.Step, s.Value)));
            Assert.Equal("brain.Event:2", FileVersion(records[0]));

            // TorchSharp's SummaryWriter (Google.Protobuf-generated Event) writes the same scalar event bytes.
            var tw = TorchSharp.torch.utils.tensorboard.SummaryWriter(Path.Combine(dir, "torchsharp"), createRunName: false);
            tw.add_scalar("losses/l_pix", 0.125f, 7, 1700000000);
            tw.add_scalar("metrics/Set5/psnr", 31.5f, 1000, 1700000001);
            string theirs = Directory.GetFiles(Path.Combine(dir, "torchsharp"), "events.out.tfevents*", SearchOption.AllDirectories).Single();
            var other = ReadRecords(theirs).Skip(1).ToList();   // after the file_version record
            Assert.Equal(other[0], records[1]);
            Assert.Equal(other[1], records[2]);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>TFRecords of an event file, each checked against its masked CRCs.</summary>
    internal static List<byte[]> ReadRecords(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var list = new List<byte[]>();
        int pos = 0;
        while (pos < bytes.Length)
        {
            ulong len = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(pos));
            Assert.Equal(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 8)), TensorBoardWriter.MaskedCrc(bytes.AsSpan(pos, 8)));
            var data = bytes.AsSpan(pos + 12, (int)len).ToArray();
            Assert.Equal(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 12 + (int)len)), TensorBoardWriter.MaskedCrc(data));
            list.Add(data);
            pos += 12 + (int)len + 4;
        }
        return list;
    }

    /// <summary>(tag, step, simple_value) of every scalar in an event file, decoded with Google.Protobuf.</summary>
    internal static List<(string Tag, long Step, float Value)> ReadScalars(string path)
    {
        var result = new List<(string, long, float)>();
        foreach (var rec in ReadRecords(path))
        {
            var input = new CodedInputStream(rec);
            long step = 0;
            var values = new List<(string, float)>();
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 2: step = input.ReadInt64(); break;
                    case 5:
                        var summary = new CodedInputStream(input.ReadBytes().ToByteArray());
                        uint st;
                        while ((st = summary.ReadTag()) != 0)
                        {
                            var value = new CodedInputStream(summary.ReadBytes().ToByteArray());
                            string name = ""; float v = float.NaN;
                            uint vt;
                            while ((vt = value.ReadTag()) != 0)
                            {
                                if (WireFormat.GetTagFieldNumber(vt) == 1) name = value.ReadString();
                                else if (WireFormat.GetTagFieldNumber(vt) == 2) v = value.ReadFloat();
                                else value.SkipLastField();
                            }
                            values.Add((name, v));
                        }
                        break;
                    default: input.SkipLastField(); break;
                }
            }
            foreach (var (n, v) in values) result.Add((n, step, v));
        }
        return result;
    }

    static string? FileVersion(byte[] rec)
    {
        var input = new CodedInputStream(rec);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 3) return input.ReadString();
            input.SkipLastField();
        }
        return null;
    }
}

public class LogLineFormatTests
{
    [Fact]
    public void TrainLine_IsBasicSrsMessageLoggerFormat()
    {
        // BasicSR: f'[{name[:5]}..][epoch:{epoch:3d}, iter:{iter:8,d}, lr:(' + f'{v:.3e},' ... + ')] ' + f'[eta: {eta_str}, time (data): {t:.3f} ({d:.3f})] ' + f'{k}: {v:.4e} '
        string line = LogLineFormat.TrainLine("MambaIR_SR_x2", 12, 1234567, [2e-4], TimeSpan.FromSeconds(93784.9), 0.27412, 0.0014, [("l_pix", 0.0123456)]);
        Assert.Equal("[Mamba..][epoch: 12, iter:1,234,567, lr:(2.000e-04,)] [eta: 1 day, 2:03:04, time (data): 0.274 (0.001)] l_pix: 1.2346e-02 ", line);
        Assert.Equal("[tiny..][epoch:  0, iter:     200, lr:(1.000e-03,)] l_pix: 5.0000e-01 ", LogLineFormat.TrainLine("tiny", 0, 200, [1e-3], null, null, null, [("l_pix", 0.5)]));
        Assert.Equal("0:00:59", LogLineFormat.TimeDelta(TimeSpan.FromSeconds(59.99)));
        Assert.Equal("3 days, 0:00:00", LogLineFormat.TimeDelta(TimeSpan.FromDays(3)));
        Assert.Equal("Validation Set5\n\t # psnr: 31.2346\tBest: 31.5000 @ 5000 iter\n",
            LogLineFormat.ValidationLines("Set5", [("psnr", 31.23456, 31.5, 5000)]));
    }
}
