// Add, Mul, AddBias, GELU (tanh), SiLU and SwiGLU on (13, 67) against PyTorch autograd.
// Add and Mul (and their gradients) are single correctly-rounded operations, so they must be bit-equal.
using Distill.Autograd;
using Xunit.Abstractions;

namespace Distill.Tests.GoldenTests;

public class ElementwiseGoldenTests(ITestOutputHelper log)
{
    private static readonly Tol Exact = new(0, 0, 0, 0);

    [Fact]
    public void AddMatchesTorch() =>
        GoldenCheck.Run("add.safetensors", ["a", "b"], (_, x) => Ops.Add(x[0], x[1]), Exact, log);

    [Fact]
    public void MulMatchesTorch() =>
        GoldenCheck.Run("mul.safetensors", ["a", "b"], (_, x) => Ops.Mul(x[0], x[1]), Exact, log);

    /// <summary>y is bit-equal; dbias sums 13 rows, so the gradients get the default tolerance.</summary>
    [Fact]
    public void AddBiasMatchesTorch() =>
        GoldenCheck.Run("add_bias.safetensors", ["x", "bias"], (_, x) => Ops.AddBias(x[0], x[1]),
            Tol.Default with { OutAtol = 0, OutRtol = 0 }, log);

    [Fact]
    public void GeluTanhMatchesTorch() =>
        GoldenCheck.Run("gelu.safetensors", ["x"], (_, x) => Ops.Gelu(x[0]), Tol.Default, log);

    [Fact]
    public void SiluMatchesTorch() =>
        GoldenCheck.Run("silu.safetensors", ["x"], (_, x) => Ops.Silu(x[0]), Tol.Default, log);

    [Fact]
    public void SwiGluMatchesTorch() =>
        GoldenCheck.Run("swiglu.safetensors", ["gate", "up"], (_, x) => Ops.SwiGlu(x[0], x[1]), Tol.Default, log);
}
