// The vectorised BF16 -> F32 widening against its scalar twin over every short length and some long
// odd ones (so every SIMD width and tail is hit), and F16 -> F32 special values.
using Distill.IO;
using Distill.Tensors;
using Distill.Tests.Support;

namespace Distill.Tests.IO;

public class HalfConversionTests
{
    [Fact]
    public void Bf16ToF32MatchesScalarTwinAtEveryLength()
    {
        foreach (int n in Rand.Lengths())
        {
            var rng = new Random(n);
            var src = new ushort[n];
            for (int i = 0; i < n; i++) src[i] = (ushort)rng.Next(65536); // every bit pattern, NaNs included
            var expected = new float[n];
            var actual = new float[n + 1];
            actual[n] = 42f; // sentinel: must not be written
            HalfConversion.Bf16ToF32Scalar(src, expected);
            HalfConversion.Bf16ToF32(src, actual);
            for (int i = 0; i < n; i++)
                Assert.True(BitConverter.SingleToUInt32Bits(expected[i]) == BitConverter.SingleToUInt32Bits(actual[i]),
                    $"n={n} i={i}: {actual[i]} vs {expected[i]}");
            Assert.Equal(42f, actual[n]);
        }
    }

    [Fact]
    public void Bf16ScalarTwinAgreesWithBFloat16()
    {
        foreach (float v in new[] { 0f, -0f, 1f, -2.5f, float.MaxValue, float.Epsilon, float.PositiveInfinity, 3.14159f })
        {
            var b = (BFloat16)v;
            var dst = new float[1];
            HalfConversion.Bf16ToF32Scalar([b.Bits], dst);
            Assert.Equal((float)b, dst[0]);
        }
    }

    [Fact]
    public void F16ToF32IsExactIncludingSpecials()
    {
        var src = new[] { (Half)0f, (Half)(-0f), Half.MaxValue, Half.MinValue, Half.Epsilon, Half.PositiveInfinity, Half.NegativeInfinity, Half.NaN, (Half)0.1f };
        var dst = new float[src.Length];
        HalfConversion.F16ToF32(src, dst);
        Assert.Equal(65504f, dst[2]);
        Assert.Equal(-65504f, dst[3]);
        Assert.Equal(MathF.Pow(2, -24), dst[4]);
        Assert.True(float.IsPositiveInfinity(dst[5]));
        Assert.True(float.IsNegativeInfinity(dst[6]));
        Assert.True(float.IsNaN(dst[7]));
        Assert.True(float.IsNegative(dst[1]));
        Assert.Equal((float)(Half)0.1f, dst[8]);
    }
}
