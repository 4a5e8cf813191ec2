// Helpers for the CPU kernel tests: tensors from arrays, float <-> double copies for running the scalar
// twins in double, and the central-difference gradient check the twins' backward passes go through.
using Distill.Backends.Cpu;
using Distill.Tensors;
using Distill.Tests.Support;

namespace Distill.Tests.Elementwise;

internal static class KernelTestData
{
    public static CpuBackend Cpu => CpuBackend.Instance;

    public static Tensor Tensor(float[] data, params int[] dims) => Tensors.Tensor.FromArray(data, dims);

    public static double[] ToDouble(float[] a) => Array.ConvertAll(a, v => (double)v);

    public static float[] ToFloat(double[] a) => Array.ConvertAll(a, v => (float)v);

    /// <summary>Row counts the row-op tests try at each row length.</summary>
    public static readonly int[] RowCounts = [1, 3];

    /// <summary>
    /// Checks analytic = d objective / d x[i] for every i by central differences in double, perturbing x in
    /// place (objective must read x). Tolerance atol + rtol * |numeric|.
    /// </summary>
    public static void CheckGradient(Func<double> objective, double[] x, double[] analytic, string what,
        double eps = 1e-6, double atol = 1e-8, double rtol = 1e-7)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double saved = x[i];
            x[i] = saved + eps;
            double plus = objective();
            x[i] = saved - eps;
            double minus = objective();
            x[i] = saved;
            Close.Scalar((plus - minus) / (2 * eps), analytic[i], atol, rtol, $"{what}[{i}]");
        }
    }

    /// <summary>sum(r * y).</summary>
    public static double Dot(double[] r, double[] y)
    {
        double s = 0;
        for (int i = 0; i < r.Length; i++) s += r[i] * y[i];
        return s;
    }
}
