// LayerNorm (eps 1e-5, weight and bias) and RmsNorm (eps 1e-6) over C = 67 against PyTorch autograd.
using Distill.Autograd;
using Xunit.Abstractions;

namespace Distill.Tests.GoldenTests;

public class NormGoldenTests(ITestOutputHelper log)
{
    [Fact]
    public void LayerNormMatchesTorch() =>
        GoldenCheck.Run("layernorm.safetensors", ["x", "weight", "bias"],
            (g, x) => Ops.LayerNorm(x[0], x[1], x[2], g.MetaFloat("eps")), Tol.Default, log);

    /// <summary>Torch side written out: x * rsqrt(mean(x^2) + eps) * w.</summary>
    [Fact]
    public void RmsNormMatchesTorch() =>
        GoldenCheck.Run("rmsnorm.safetensors", ["x", "weight"],
            (g, x) => Ops.RmsNorm(x[0], x[1], g.MetaFloat("eps")), Tol.Default, log);
}
