// Central-difference gradient check in double, for the scalar twins: compares the analytic gradient of
// L = sum(r * f(inputs)) (r fixed random weights) with (L(x + h) - L(x - h)) / 2h for every element.
using Xunit.Sdk;

namespace Distill.Tests.Attention;

internal static class TwinFiniteDifference
{
    /// <summary>
    /// forward maps the inputs to the output; analytic[i] is dL/d inputs[i] computed by the twin's
    /// backward with dOutput = weights. Throws naming the input and element that disagree.
    /// </summary>
    public static void Check(Func<double[][], double[]> forward, double[][] inputs, double[] weights, double[][] analytic,
        string[] names, double eps = 1e-5, double atol = 1e-8, double rtol = 1e-6)
    {
        for (int i = 0; i < inputs.Length; i++)
        {
            var x = inputs[i];
            for (int j = 0; j < x.Length; j++)
            {
                double saved = x[j];
                x[j] = saved + eps;
                double plus = Dot(forward(inputs), weights);
                x[j] = saved - eps;
                double minus = Dot(forward(inputs), weights);
                x[j] = saved;
                double numeric = (plus - minus) / (2 * eps);
                if (!(Math.Abs(analytic[i][j] - numeric) <= atol + rtol * Math.Abs(numeric)))
                    throw new XunitException($"d/d{names[i]}[{j}]: analytic {analytic[i][j]:G10}, numeric {numeric:G10}");
            }
        }
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    public static double[] Uniform(int n, int seed)
    {
        var rng = new Random(seed);
        var a = new double[n];
        for (int i = 0; i < n; i++) a[i] = rng.NextDouble() * 2 - 1;
        return a;
    }
}
