// Hand-written: numpy's legacy gauss() (polar Box-Muller with its cached second value) over MT19937 so denoising noise is bit-identical to the official validation; no .NET package reproduces it.
namespace MambaIR.Evaluation;

/// <summary>
/// numpy's legacy global generator (<c>np.random.RandomState</c>): MT19937 plus the polar Box-Muller Gaussian
/// (<c>legacy_gauss</c>) that caches its second value. <c>new NumpyRandom(0).Normal(0, s)</c> repeated gives the same
/// doubles, bit for bit, as <c>np.random.seed(0); np.random.normal(0, s, shape)</c> in C (row-major) order.
/// </summary>
public sealed class NumpyRandom
{
    readonly Mt19937 _mt;
    bool _hasGauss;
    double _gauss;

    /// <summary>Equivalent to <c>np.random.seed(seed)</c>.</summary>
    public NumpyRandom(uint seed) => _mt = new Mt19937(seed);

    /// <summary><c>np.random.random_sample()</c>: a double in [0, 1).</summary>
    public double NextDouble() => _mt.NextDouble();

    /// <summary><c>np.random.standard_normal()</c> / <c>randn()</c>: one N(0, 1) draw (legacy polar method).</summary>
    public double StandardNormal()
    {
        if (_hasGauss)
        {
            _hasGauss = false;
            return _gauss;
        }
        double x1, x2, r2;
        do
        {
            x1 = 2.0 * _mt.NextDouble() - 1.0;
            x2 = 2.0 * _mt.NextDouble() - 1.0;
            r2 = x1 * x1 + x2 * x2;
        } while (r2 >= 1.0 || r2 == 0.0);
        double f = Math.Sqrt(-2.0 * Math.Log(r2) / r2);
        _gauss = f * x1;
        _hasGauss = true;
        return f * x2;
    }

    /// <summary><c>np.random.normal(loc, scale)</c>: <c>loc + scale · standard_normal()</c>.</summary>
    public double Normal(double loc, double scale) => loc + scale * StandardNormal();
}
