// F32 -> BF16 / F16 casts against torch's bit patterns on tricky values (ties, subnormals, overflow,
// inf, NaN) and 200 random ones: round to nearest even, bit for bit. NaN only has to stay a NaN
// (torch 1.13 writes BF16 NaN as 0xFFFF). Also the exact widening back to F32.
using Distill.Autograd;
using Distill.Tensors;
using Xunit.Sdk;

namespace Distill.Tests.GoldenTests;

public class CastGoldenTests
{
    [Theory]
    [InlineData(DType.BF16, "bf16")]
    [InlineData(DType.F16, "f16")]
    public void NarrowingRoundsToNearestEvenLikeTorch(DType dtype, string name)
    {
        using var g = GoldenCase.Open("cast.safetensors");
        var x = g.LoadF32("x");
        var expected = g.Load(name);
        Assert.Equal(dtype, expected.DType);
        using var ours = Ops.Cast(x, dtype);
        var e = expected.AsSpan<ushort>();
        var a = ours.AsSpan<ushort>();
        var xs = x.AsSpan();
        for (int i = 0; i < e.Length; i++)
        {
            bool ok = IsNaN(dtype, e[i]) ? IsNaN(dtype, a[i]) : a[i] == e[i];
            if (!ok)
                throw new XunitException($"Cast F32 -> {dtype}: x[{i}] = {xs[i]:R} (0x{BitConverter.SingleToUInt32Bits(xs[i]):X8}) " +
                                         $"gave 0x{a[i]:X4}, torch 0x{e[i]:X4}");
        }
    }

    [Theory]
    [InlineData("bf16")]
    [InlineData("f16")]
    public void WideningIsExact(string name)
    {
        using var g = GoldenCase.Open("cast.safetensors");
        var narrow = g.Load(name);
        using var ours = Ops.Cast(narrow, DType.F32);
        GoldenCheck.Exact(g.LoadF32(name + "_f32").AsSpan(), ours.AsSpan(), $"Cast {narrow.DType} -> F32");
    }

    /// <summary>The scalar conversions (BFloat16 struct, System.Half) that kernels' tails and tests rely on.</summary>
    [Theory]
    [InlineData(DType.BF16, "bf16")]
    [InlineData(DType.F16, "f16")]
    public void ScalarConversionsMatchTorch(DType dtype, string name)
    {
        using var g = GoldenCase.Open("cast.safetensors");
        var xs = g.LoadF32("x").AsSpan();
        var e = g.Load(name).AsSpan<ushort>();
        var wide = g.LoadF32(name + "_f32").AsSpan();
        for (int i = 0; i < xs.Length; i++)
        {
            ushort a = dtype == DType.BF16 ? ((BFloat16)xs[i]).Bits : BitConverter.HalfToUInt16Bits((Half)xs[i]);
            bool ok = IsNaN(dtype, e[i]) ? IsNaN(dtype, a) : a == e[i];
            if (!ok)
                throw new XunitException($"({dtype}){xs[i]:R} (0x{BitConverter.SingleToUInt32Bits(xs[i]):X8}) gave 0x{a:X4}, torch 0x{e[i]:X4}");
            float back = dtype == DType.BF16 ? (float)BFloat16.FromBits(e[i]) : (float)BitConverter.UInt16BitsToHalf(e[i]);
            if (!(float.IsNaN(wide[i]) ? float.IsNaN(back) : back == wide[i]))
                throw new XunitException($"{dtype} 0x{e[i]:X4} -> F32 gave {back:R}, torch {wide[i]:R}");
        }
    }

    private static bool IsNaN(DType dtype, ushort bits) => dtype == DType.BF16
        ? (bits & 0x7F80) == 0x7F80 && (bits & 0x007F) != 0
        : (bits & 0x7C00) == 0x7C00 && (bits & 0x03FF) != 0;
}
