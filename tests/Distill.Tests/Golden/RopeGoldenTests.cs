// RoPE (HF rotate-half) on x (2, 9, 3, 16) with the cos/sin (T, D/2) tables Hugging Face LLaMA builds in
// float32, for theta 10000 and 500000, against PyTorch autograd; and Nn.RopeTables against those
// tables at head dim 128 and positions up to 131071.
using Distill.Autograd;
using Distill.Nn;
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

    /// <summary>
    /// inv_freq must be bit-equal (torch's float32 pow was correctly rounded on every entry); cos/sin of
    /// the same float32 angle within 2e-7 (about 2 ulp at 1: torch's vectorised cos/sin are 1-ulp accurate).
    /// </summary>
    [Theory]
    [InlineData("rope_tables_theta10000")]
    [InlineData("rope_tables_theta500000")]
    public void RopeTablesMatchHuggingFace(string name)
    {
        using var g = GoldenCase.Open($"{name}.safetensors");
        int d = g.MetaInt("head_dim");
        double theta = double.Parse(g.Meta("theta"), System.Globalization.CultureInfo.InvariantCulture);
        var positions = g.LoadI32("positions").AsSpan<int>().ToArray();
        GoldenCheck.Exact(g.LoadF32("inv_freq").AsSpan(), RopeTables.InverseFrequencies(d, theta), $"{name}: inv_freq");
        var (cos, sin) = RopeTables.Compute(d, positions[^1] + 1, theta);
        int half = d / 2;
        var ourCos = positions.SelectMany(p => cos.AsSpan(p * half, half).ToArray()).ToArray();
        var ourSin = positions.SelectMany(p => sin.AsSpan(p * half, half).ToArray()).ToArray();
        using var oc = Distill.Tensors.Tensor.FromArray(ourCos, positions.Length, half);
        using var os = Distill.Tensors.Tensor.FromArray(ourSin, positions.Length, half);
        GoldenCheck.Compare(g.LoadF32("cos"), oc, 2e-7, 0, $"{name}: cos", log);
        GoldenCheck.Compare(g.LoadF32("sin"), os, 2e-7, 0, $"{name}: sin", log);
    }
}
