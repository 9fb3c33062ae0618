// Hand-written: numpy's exact MT19937 stream (init_genrand seeding, 53-bit doubles) so denoising noise is bit-identical to the official validation; .NET has no MT19937.
namespace MambaIR.Evaluation;

/// <summary>
/// The 32-bit Mersenne Twister (Matsumoto and Nishimura, 1998), the generator behind numpy's legacy
/// <c>np.random.RandomState</c>. Seeded with <c>init_genrand</c>, which is what <c>np.random.seed(int)</c> does,
/// so the stream is bit-identical to numpy's and to C++ <c>std::mt19937</c>.
/// </summary>
public sealed class Mt19937
{
    const int N = 624, M = 397;
    const uint MatrixA = 0x9908b0dfu, UpperMask = 0x80000000u, LowerMask = 0x7fffffffu;

    readonly uint[] _state = new uint[N];
    int _index;

    /// <summary>Creates a generator seeded like <c>np.random.seed(seed)</c> (the low 32 bits of the seed are used).</summary>
    public Mt19937(uint seed) => Seed(seed);

    /// <summary>Re-seeds with the reference <c>init_genrand</c> recurrence.</summary>
    public void Seed(uint seed)
    {
        _state[0] = seed;
        for (int i = 1; i < N; i++)
            _state[i] = 1812433253u * (_state[i - 1] ^ (_state[i - 1] >> 30)) + (uint)i;
        _index = N;
    }

    /// <summary>
    /// A generator seeded with the reference <c>init_by_array</c> (base seed 19650218), which is how CPython's
    /// <c>random.seed(n)</c> seeds for an integer n: the key is the 32-bit words of |n|, least significant first
    /// (at least one word).
    /// </summary>
    public static Mt19937 FromKey(ReadOnlySpan<uint> key)
    {
        if (key.Length == 0) throw new ArgumentException("init_by_array needs at least one key word", nameof(key));
        var mt = new Mt19937(19650218u);
        var s = mt._state;
        int i = 1, j = 0;
        for (int k = Math.Max(N, key.Length); k > 0; k--)
        {
            s[i] = (s[i] ^ ((s[i - 1] ^ (s[i - 1] >> 30)) * 1664525u)) + key[j] + (uint)j;
            i++; j++;
            if (i >= N) { s[0] = s[N - 1]; i = 1; }
            if (j >= key.Length) j = 0;
        }
        for (int k = N - 1; k > 0; k--)
        {
            s[i] = (s[i] ^ ((s[i - 1] ^ (s[i - 1] >> 30)) * 1566083941u)) - (uint)i;
            i++;
            if (i >= N) { s[0] = s[N - 1]; i = 1; }
        }
        s[0] = 0x80000000u;
        mt._index = N;
        return mt;
    }

    /// <summary>The next tempered 32-bit output.</summary>
    public uint NextUInt32()
    {
        if (_index >= N) Twist();
        uint y = _state[_index++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= y >> 18;
        return y;
    }

    /// <summary>A double in [0, 1) with 53 random bits, as numpy's <c>random_sample</c> (<c>mt19937_next_double</c>).</summary>
    public double NextDouble()
    {
        uint a = NextUInt32() >> 5, b = NextUInt32() >> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    void Twist()
    {
        for (int i = 0; i < N; i++)
        {
            uint y = (_state[i] & UpperMask) | (_state[(i + 1) % N] & LowerMask);
            uint next = _state[(i + M) % N] ^ (y >> 1);
            _state[i] = (y & 1) != 0 ? next ^ MatrixA : next;
        }
        _index = 0;
    }
}
