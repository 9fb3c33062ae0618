using MambaIR.Native;
using MambaIR.Ops;
using static TorchSharp.torch;

namespace MambaIR.Tests.Ops;

public class ReferenceScanTests
{
    public ReferenceScanTests() => TorchRuntime.EnsureInitialized();

    /// <summary>Scalar loops straight from the definition: an independent oracle for the tensor reference.</summary>
    static double[,,] Naive(double[,,] u, double[,,] delta, double[,] a, double[,,,] b, double[,,,] c, double[] d, double[] bias, double[,,]? z)
    {
        int bt = u.GetLength(0), dm = u.GetLength(1), l = u.GetLength(2), n = a.GetLength(1), g = b.GetLength(1);
        var outp = new double[bt, dm, l];
        for (int bi = 0; bi < bt; bi++)
            for (int di = 0; di < dm; di++)
            {
                int gi = di / (dm / g);
                var h = new double[n];
                for (int li = 0; li < l; li++)
                {
                    double dt = delta[bi, di, li] + bias[di];
                    dt = dt <= 20 ? Math.Log(1 + Math.Exp(dt)) : dt;
                    double y = 0;
                    for (int ni = 0; ni < n; ni++)
                    {
                        h[ni] = Math.Exp(dt * a[di, ni]) * h[ni] + dt * b[bi, gi, ni, li] * u[bi, di, li];
                        y += h[ni] * c[bi, gi, ni, li];
                    }
                    double o = y + d[di] * u[bi, di, li];
                    if (z != null) { double zz = z[bi, di, li]; o *= zz / (1 + Math.Exp(-zz)); }
                    outp[bi, di, li] = o;
                }
            }
        return outp;
    }

    [Theory]
    [InlineData(2, 4, 5, 3, 2, true)]
    [InlineData(1, 3, 7, 1, 1, false)]
    public void MatchesScalarDefinition(int bt, int dm, int l, int n, int g, bool withZ)
    {
        manual_seed(7);
        var u = randn(bt, dm, l, dtype: float64);
        var delta = randn(bt, dm, l, dtype: float64);
        delta[0, 0, 0] = tensor(25.0, float64); // exercises the softplus threshold
        var a = -exp(randn(dm, n, dtype: float64) * 0.5);
        var b = randn(bt, g, n, l, dtype: float64);
        var c = randn(bt, g, n, l, dtype: float64);
        var d = randn(dm, dtype: float64);
        var bias = randn(dm, dtype: float64);
        var z = withZ ? randn(bt, dm, l, dtype: float64) : null;
        var r = new ReferenceSelectiveScan().Run(new SelectiveScanInputs(u, delta, a, b, c, d, z, bias, DeltaSoftplus: true, ReturnLastState: true));
        var expected = Naive(To3(u), To3(delta), To2(a), To4(b), To4(c), d.data<double>().ToArray(), bias.data<double>().ToArray(), z is null ? null : To3(z));
        var got = To3(r.Output);
        for (int i = 0; i < bt; i++) for (int j = 0; j < dm; j++) for (int k = 0; k < l; k++)
            Assert.True(Math.Abs(expected[i, j, k] - got[i, j, k]) < 1e-12, $"[{i},{j},{k}] {expected[i, j, k]} vs {got[i, j, k]}");
        Assert.Equal(new long[] { bt, dm, n }, r.LastState!.shape);
    }

    [Fact]
    public void ValidatesShapesWithClearMessages()
    {
        var u = zeros(1, 4, 5);
        var e = Assert.Throws<ArgumentException>(() => new ReferenceSelectiveScan().Run(
            new SelectiveScanInputs(u, zeros(1, 4, 5), zeros(4, 3), zeros(1, 3, 3, 5), zeros(1, 3, 3, 5))));
        Assert.Contains("G dividing 4", e.Message);
    }

    static double[,,] To3(Tensor t) { var a = new double[t.shape[0], t.shape[1], t.shape[2]]; var f = t.contiguous().data<double>().ToArray(); Buffer.BlockCopy(f, 0, a, 0, f.Length * 8); return a; }
    static double[,] To2(Tensor t) { var a = new double[t.shape[0], t.shape[1]]; var f = t.contiguous().data<double>().ToArray(); Buffer.BlockCopy(f, 0, a, 0, f.Length * 8); return a; }
    static double[,,,] To4(Tensor t) { var a = new double[t.shape[0], t.shape[1], t.shape[2], t.shape[3]]; var f = t.contiguous().data<double>().ToArray(); Buffer.BlockCopy(f, 0, a, 0, f.Length * 8); return a; }
}
