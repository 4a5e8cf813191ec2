// Finite-difference checks (central differences in double) of the scalar twins' backward passes:
// the twins define what the SIMD kernels must compute, so their gradients are checked to ~1e-7.
using Distill.Backends.Cpu;
using static Distill.Tests.Elementwise.KernelTestData;

namespace Distill.Tests.Elementwise;

public class ElementwiseGradientTests
{
    private const int N = 23;

    [Fact]
    public void GeluTwinBackwardMatchesFiniteDifferences()
    {
        double[] x = ToDouble(Support.Rand.Normal(N, 1, 2.5f)), r = ToDouble(Support.Rand.Normal(N, 2));
        var dx = new double[N];
        CpuReference.GeluBackward<double>(x, r, dx);
        CheckGradient(() => { var y = new double[N]; CpuReference.Gelu<double>(x, y); return Dot(r, y); }, x, dx, "Gelu dx");
    }

    [Fact]
    public void SiluTwinBackwardMatchesFiniteDifferences()
    {
        double[] x = ToDouble(Support.Rand.Normal(N, 3, 3f)), r = ToDouble(Support.Rand.Normal(N, 4));
        var dx = new double[N];
        CpuReference.SiluBackward<double>(x, r, dx);
        CheckGradient(() => { var y = new double[N]; CpuReference.Silu<double>(x, y); return Dot(r, y); }, x, dx, "Silu dx");
    }

    [Fact]
    public void SwiGluTwinBackwardMatchesFiniteDifferences()
    {
        double[] g = ToDouble(Support.Rand.Normal(N, 5, 3f)), u = ToDouble(Support.Rand.Normal(N, 6)), r = ToDouble(Support.Rand.Normal(N, 7));
        double[] dg = new double[N], du = new double[N];
        CpuReference.SwiGluBackward<double>(g, u, r, dg, du);
        double Objective() { var y = new double[N]; CpuReference.SwiGlu<double>(g, u, y); return Dot(r, y); }
        CheckGradient(Objective, g, dg, "SwiGlu dgate");
        CheckGradient(Objective, u, du, "SwiGlu dup");
    }

    [Fact]
    public void AddBiasTwinBackwardMatchesFiniteDifferences()
    {
        const int rows = 4, c = 5;
        double[] x = ToDouble(Support.Rand.Normal(rows * c, 8)), b = ToDouble(Support.Rand.Normal(c, 9)), r = ToDouble(Support.Rand.Normal(rows * c, 10));
        var db = new double[c];
        CpuReference.AddBiasBackward<double>(r, db);
        CheckGradient(() => { var y = new double[rows * c]; CpuReference.AddBias<double>(x, b, y); return Dot(r, y); }, b, db, "AddBias dbias");
    }
}
