// Finite-difference checks (central differences in double) of the LayerNorm and RmsNorm twins' backward
// passes with respect to every input: x, weight and bias.
using Distill.Backends.Cpu;
using static Distill.Tests.Elementwise.KernelTestData;

namespace Distill.Tests.Norms;

public class NormGradientTests
{
    private const int Rows = 3, C = 7;
    private const double Eps = 1e-5;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LayerNormTwinBackwardMatchesFiniteDifferences(bool withBias)
    {
        double[] x = ToDouble(Support.Rand.Normal(Rows * C, 1, 2f)), w = ToDouble(Support.Rand.Normal(C, 2));
        double[] b = withBias ? ToDouble(Support.Rand.Normal(C, 3)) : [], r = ToDouble(Support.Rand.Normal(Rows * C, 4));
        double Objective()
        {
            double[] y = new double[Rows * C], mean = new double[Rows], rstd = new double[Rows];
            CpuReference.LayerNorm<double>(x, w, b, Eps, y, mean, rstd);
            return Dot(r, y);
        }
        double[] y = new double[Rows * C], mean = new double[Rows], rstd = new double[Rows];
        CpuReference.LayerNorm<double>(x, w, b, Eps, y, mean, rstd);
        double[] dx = new double[Rows * C], dw = new double[C], db = withBias ? new double[C] : [];
        CpuReference.LayerNormBackward<double>(x, w, mean, rstd, r, dx, dw, db);
        CheckGradient(Objective, x, dx, "LayerNorm dx");
        CheckGradient(Objective, w, dw, "LayerNorm dweight");
        if (withBias) CheckGradient(Objective, b, db, "LayerNorm dbias");
    }

    [Fact]
    public void RmsNormTwinBackwardMatchesFiniteDifferences()
    {
        double[] x = ToDouble(Support.Rand.Normal(Rows * C, 5, 2f)), w = ToDouble(Support.Rand.Normal(C, 6)), r = ToDouble(Support.Rand.Normal(Rows * C, 7));
        double Objective()
        {
            double[] y = new double[Rows * C], rstd = new double[Rows];
            CpuReference.RmsNorm<double>(x, w, Eps, y, rstd);
            return Dot(r, y);
        }
        double[] y = new double[Rows * C], rstd = new double[Rows];
        CpuReference.RmsNorm<double>(x, w, Eps, y, rstd);
        double[] dx = new double[Rows * C], dw = new double[C];
        CpuReference.RmsNormBackward<double>(x, w, rstd, r, dx, dw);
        CheckGradient(Objective, x, dx, "RmsNorm dx");
        CheckGradient(Objective, w, dw, "RmsNorm dweight");
    }
}
