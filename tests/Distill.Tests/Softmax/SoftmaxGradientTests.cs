// Finite-difference checks (central differences in double) of the softmax and cross-entropy twins'
// backward passes: softmax's dx, and cross-entropy's dlogits as the gradient of gradScale * sum(losses).
using Distill.Backends.Cpu;
using static Distill.Tests.Elementwise.KernelTestData;

namespace Distill.Tests.Softmax;

public class SoftmaxGradientTests
{
    private const int Rows = 3, V = 9;

    [Fact]
    public void SoftmaxTwinBackwardMatchesFiniteDifferences()
    {
        double[] x = ToDouble(Support.Rand.Normal(Rows * V, 1, 2f)), r = ToDouble(Support.Rand.Normal(Rows * V, 2));
        double Objective() { var y = new double[Rows * V]; CpuReference.Softmax<double>(x, V, y); return Dot(r, y); }
        var y = new double[Rows * V];
        CpuReference.Softmax<double>(x, V, y);
        var dx = new double[Rows * V];
        CpuReference.SoftmaxBackward<double>(y, r, V, dx);
        CheckGradient(Objective, x, dx, "Softmax dx");
    }

    [Fact]
    public void CrossEntropyTwinGradientMatchesFiniteDifferences()
    {
        double[] z = ToDouble(Support.Rand.Normal(Rows * V, 3, 2f));
        int[] targets = [4, -100, 0];
        const double scale = 0.5;
        double Objective()
        {
            var losses = new double[Rows];
            CpuReference.CrossEntropy<double>(z, targets, -100, losses, [], scale);
            return scale * losses.Sum();
        }
        double[] losses = new double[Rows], dz = new double[Rows * V];
        CpuReference.CrossEntropy<double>(z, targets, -100, losses, dz, scale);
        CheckGradient(Objective, z, dz, "CrossEntropy dlogits");
    }
}
