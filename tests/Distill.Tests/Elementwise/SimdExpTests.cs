// The vectorised exp behind softmax, cross-entropy, GELU and SiLU: both vector widths against Math.Exp
// over the whole useful range (within 1 ulp for normal results), denormal results, and the edges.
using System.Runtime.Intrinsics;
using Distill.Backends.Cpu;

namespace Distill.Tests.Elementwise;

public class SimdExpTests
{
    private static float[] Sweep()
    {
        // Every 397th float bit pattern between -104 and 89 (~5.6 million values), plus round numbers.
        var list = new List<float>();
        for (uint u = 0; u < BitConverter.SingleToUInt32Bits(89f); u += 397) list.Add(BitConverter.UInt32BitsToSingle(u));
        for (uint u = 0x8000_0000; u < BitConverter.SingleToUInt32Bits(-104f); u += 397) list.Add(BitConverter.UInt32BitsToSingle(u));
        for (int k = -104; k <= 89; k++) list.Add(k);
        while (list.Count % 16 != 0) list.Add(0f);
        return list.ToArray();
    }

    private static void CheckUlps(float[] x, float[] y, string width)
    {
        double worst = 0;
        float worstAt = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double e = Math.Exp(x[i]);
            float ef = (float)e;
            if (ef < 1.17549435e-38f)   // smallest normal float
            {
                // Denormal results: absolute error within one denormal step (2^-149) plus rounding.
                Assert.True(Math.Abs(y[i] - e) <= 1.5 * float.Epsilon, $"{width} exp({x[i]}) = {y[i]}, expected {e}");
                continue;
            }
            if (float.IsInfinity(ef))
            {
                Assert.Equal(float.PositiveInfinity, y[i]);
                continue;
            }
            double ulp = MathF.BitIncrement(ef) - ef;
            double err = Math.Abs(y[i] - e) / ulp;
            if (err > worst) { worst = err; worstAt = x[i]; }
        }
        Assert.True(worst <= 1.0, $"{width} exp: worst error {worst:F3} ulp at x = {worstAt}");
    }

    [Fact]
    public void Vector512ExpIsWithinOneUlp()
    {
        var x = Sweep();
        var y = new float[x.Length];
        for (int i = 0; i < x.Length; i += 16) SimdMath.Exp(Vector512.Create(x.AsSpan(i, 16))).CopyTo(y, i);
        CheckUlps(x, y, "Vector512");
    }

    [Fact]
    public void Vector256ExpIsWithinOneUlp()
    {
        var x = Sweep();
        var y = new float[x.Length];
        for (int i = 0; i < x.Length; i += 8) SimdMath.Exp(Vector256.Create(x.AsSpan(i, 8))).CopyTo(y, i);
        CheckUlps(x, y, "Vector256");
    }

    [Theory]
    [InlineData(float.NaN, float.NaN)]
    [InlineData(float.PositiveInfinity, float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity, 0f)]
    [InlineData(88.8f, float.PositiveInfinity)]
    [InlineData(1e30f, float.PositiveInfinity)]
    [InlineData(-1e30f, 0f)]
    [InlineData(-104f, 0f)]
    [InlineData(0f, 1f)]
    public void EdgesAreIeee(float x, float expected)
    {
        Assert.Equal(expected, SimdMath.Exp(Vector512.Create(x))[3]);
        Assert.Equal(expected, SimdMath.Exp(Vector256.Create(x))[5]);
    }
}
