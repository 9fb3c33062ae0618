using System.Numerics;
using MambaIR.Evaluation;

namespace MambaIR.Training.Data;

/// <summary>
/// CPython's <c>random.Random</c> for the calls BasicSR's transforms make: <c>random()</c> (53-bit double from two
/// outputs), <c>getrandbits(k)</c> and <c>randint(a, b)</c> (<c>_randbelow</c> by rejection on <c>getrandbits</c>),
/// seeded with an integer as <c>random.seed(n)</c> seeds (<see cref="Mt19937.FromKey"/>). The same seed gives the
/// same draws as CPython, bit for bit.
/// </summary>
public sealed class PythonRandom
{
    readonly Mt19937 _mt;

    /// <summary><c>random.Random(seed)</c> for a non-negative integer seed.</summary>
    public PythonRandom(BigInteger seed)
    {
        if (seed.Sign < 0) seed = -seed; // CPython uses abs(n)
        var words = new List<uint>();
        var n = seed;
        do { words.Add((uint)(n & uint.MaxValue)); n >>= 32; } while (n > 0);
        _mt = Mt19937.FromKey(words.ToArray());
    }

    /// <summary><c>random()</c>: a double in [0, 1).</summary>
    public double Random() => _mt.NextDouble();

    /// <summary><c>getrandbits(k)</c> for 0 ≤ k ≤ 32.</summary>
    public uint GetRandBits(int k)
    {
        if (k is < 0 or > 32) throw new ArgumentOutOfRangeException(nameof(k), k, "0..32 bits");
        if (k == 0) return 0;
        return _mt.NextUInt32() >> (32 - k);
    }

    /// <summary><c>randint(a, b)</c>: an integer in [a, b], both inclusive (b − a &lt; 2³¹).</summary>
    public int RandInt(int a, int b)
    {
        if (b < a) throw new ArgumentException($"randint({a}, {b}): empty range");
        long width = (long)b - a + 1;
        if (width > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(b), "range too wide");
        return a + (int)RandBelow((uint)width);
    }

    /// <summary><c>random.sample(range(n), k)</c>: k distinct integers of [0, n) in selection order, drawn as CPython
    /// draws them (a pool for small populations, rejection from a set for large ones).</summary>
    public int[] Sample(int n, int k)
    {
        if (k < 0 || k > n) throw new ArgumentException($"sample: k = {k} is not in [0, {n}] (Sample larger than population or is negative)");
        var result = new int[k];
        int setsize = 21;
        if (k > 5) setsize += (int)Math.Pow(4, Math.Ceiling(Math.Log(k * 3.0, 4)));
        if (n <= setsize)
        {
            var pool = Enumerable.Range(0, n).ToArray();
            for (int i = 0; i < k; i++)
            {
                int j = (int)RandBelow((uint)(n - i));
                result[i] = pool[j];
                pool[j] = pool[n - i - 1];
            }
        }
        else
        {
            var selected = new HashSet<int>();
            for (int i = 0; i < k; i++)
            {
                int j = (int)RandBelow((uint)n);
                while (selected.Contains(j)) j = (int)RandBelow((uint)n);
                selected.Add(j);
                result[i] = j;
            }
        }
        return result;
    }

    /// <summary><c>_randbelow_with_getrandbits(n)</c> for n ≥ 1.</summary>
    uint RandBelow(uint n)
    {
        int k = 32 - BitOperations.LeadingZeroCount(n); // n.bit_length()
        uint r = GetRandBits(k);
        while (r >= n) r = GetRandBits(k);
        return r;
    }
}
