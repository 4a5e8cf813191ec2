// RoPE (HF rotate-half) on x (2, 9, 3, 16) with the cos/sin (T, D/2) tables Hugging Face LLaMA builds in
// float32, for theta 10000 and 500000, against PyTorch autograd.
using Distill.Autograd;
using Xunit.Abstractions;

namespace Distill.Tests.GoldenTests;

public class RopeGoldenTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData("rope_theta10000")]
    [InlineData("rope_theta500000")]
    public void RopeMatchesTorch(string name) =>
        GoldenCheck.Run($"{name}.safetensors", ["x"],
            (g, x) => Ops.Rope(x[0], g.LoadF32("cos"), g.LoadF32("sin")), Tol.Default, log);
}
