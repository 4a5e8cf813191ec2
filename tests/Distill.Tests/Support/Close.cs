// Tolerance checks used by every numeric test: |actual - expected| <= atol + rtol * |expected|,
// reporting the first offending index with both values, so a failure says where and by how much.
using Xunit.Sdk;

namespace Distill.Tests.Support;

public static class Close
{
    public static void All(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double atol, double rtol, string what)
    {
        if (expected.Length != actual.Length)
            throw new XunitException($"{what}: length {actual.Length}, expected {expected.Length}");
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e) != double.IsNaN(a))
                throw new XunitException($"{what}[{i}]: {a}, expected {e}");
            if (double.IsNaN(e)) continue;
            double excess = Math.Abs(a - e) / (atol + rtol * Math.Abs(e));
            if (excess > worst) { worst = excess; worstAt = i; }
        }
        if (worst > 1)
            throw new XunitException(
                $"{what}[{worstAt}]: {actual[worstAt]}, expected {expected[worstAt]} " +
                $"(|diff| {Math.Abs(actual[worstAt] - expected[worstAt]):G3} > {atol:G2} + {rtol:G2} * |expected|; {worst:F1}x the tolerance)");
    }

    public static void All(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double atol, double rtol, string what)
    {
        if (expected.Length != actual.Length)
            throw new XunitException($"{what}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (!(Math.Abs(a - e) <= atol + rtol * Math.Abs(e)))
                throw new XunitException($"{what}[{i}]: {a}, expected {e} (|diff| {Math.Abs(a - e):G3} > {atol:G2} + {rtol:G2} * |expected|)");
        }
    }

    public static void Scalar(double expected, double actual, double atol, double rtol, string what)
    {
        if (!(Math.Abs(actual - expected) <= atol + rtol * Math.Abs(expected)))
            throw new XunitException($"{what}: {actual}, expected {expected} (|diff| {Math.Abs(actual - expected):G3} > {atol:G2} + {rtol:G2} * |expected|)");
    }
}
