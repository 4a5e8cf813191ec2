// Deterministic random initialisation for fresh models.
namespace Distill.Models;

internal static class ModelInit
{
    /// <summary>Fills with N(0, std^2) from a seeded generator (Box-Muller).</summary>
    public static void Normal(Span<float> dst, Random rng, float std)
    {
        for (int i = 0; i < dst.Length; i += 2)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            double r = Math.Sqrt(-2 * Math.Log(u1)) * std;
            dst[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < dst.Length) dst[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
        }
    }
}
