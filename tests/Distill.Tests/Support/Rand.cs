// Deterministic random test data.
namespace Distill.Tests.Support;

public static class Rand
{
    public static float[] Uniform(int n, int seed, float lo = -1f, float hi = 1f)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = lo + (hi - lo) * (float)rng.NextDouble();
        return a;
    }

    public static float[] Normal(int n, int seed, float std = 1f)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            a[i] = (float)(std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return a;
    }

    public static int[] Ints(int n, int seed, int below)
    {
        var rng = new Random(seed);
        var a = new int[n];
        for (int i = 0; i < n; i++) a[i] = rng.Next(below);
        return a;
    }

    /// <summary>Lengths worth testing a SIMD kernel at: every length 0..256, then odd and large ones.</summary>
    public static IEnumerable<int> Lengths()
    {
        for (int n = 0; n <= 256; n++) yield return n;
        foreach (var n in new[] { 257, 511, 1000, 1023, 1025, 4097, 65537 }) yield return n;
    }
}
