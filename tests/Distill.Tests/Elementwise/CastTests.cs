// F32 <-> BF16 / F16 casts on the CPU: the vectorised BF16 path against the BFloat16 struct, System.Half
// for F16, round-to-nearest-even ties, overflow to inf, NaN kept NaN, and exact round trips.
using System.Runtime.InteropServices;
using Distill.Backends.Cpu;
using Distill.Tensors;
using Distill.Tests.Support;
using static Distill.Tests.Elementwise.KernelTestData;

namespace Distill.Tests.Elementwise;

public class CastTests
{
    /// <summary>Random bit patterns: every exponent, NaNs and infinities included.</summary>
    private static float[] RandomBits(int n, int seed)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = BitConverter.Int32BitsToSingle(rng.Next() ^ (rng.Next(2) << 31));
        return a;
    }

    private static ushort[] CastToBf16Bits(float[] x)
    {
        using var src = Tensor(x, x.Length);
        using var dst = Tensors.Tensor.Empty(new Shape(x.Length), DType.BF16);
        Cpu.Cast(src, dst);
        return MemoryMarshal.Cast<BFloat16, ushort>(dst.AsSpan<BFloat16>()).ToArray();
    }

    [Fact]
    public void FloatToBFloat16MatchesStructAtEveryLength()
    {
        foreach (int n in Rand.Lengths())
        {
            var x = RandomBits(n, n);
            var expected = new BFloat16[n];
            CpuReference.CastToBFloat16(x, expected);
            Assert.Equal(Array.ConvertAll(expected, b => b.Bits), CastToBf16Bits(x));
        }
    }

    [Fact]
    public void SixteenBitToFloatMatchesReferenceAtEveryLength()
    {
        foreach (int n in Rand.Lengths())
        {
            var x = RandomBits(n, n + 1);
            var bf = new BFloat16[n];
            var half = new Half[n];
            CpuReference.CastToBFloat16(x, bf);
            CpuReference.CastToHalf(x, half);
            float[] expectedBf = new float[n], expectedHalf = new float[n];
            CpuReference.CastFromBFloat16(bf, expectedBf);
            CpuReference.CastFromHalf(half, expectedHalf);
            using var tbf = Tensors.Tensor.FromArray(bf, n);
            using var th = Tensors.Tensor.FromArray(half, n);
            using var f1 = Tensors.Tensor.Empty(new Shape(n), DType.F32);
            using var f2 = Tensors.Tensor.Empty(new Shape(n), DType.F32);
            Cpu.Cast(tbf, f1);
            Cpu.Cast(th, f2);
            Assert.Equal(Array.ConvertAll(expectedBf, BitConverter.SingleToUInt32Bits), Array.ConvertAll(f1.ToArray(), BitConverter.SingleToUInt32Bits));
            Assert.Equal(Array.ConvertAll(expectedHalf, BitConverter.SingleToUInt32Bits), Array.ConvertAll(f2.ToArray(), BitConverter.SingleToUInt32Bits));
        }
    }

    [Theory]
    [InlineData(0x3F80_8000u, 0x3F80)]   // tie, even below: stays
    [InlineData(0x3F81_8000u, 0x3F82)]   // tie, odd below: rounds up to even
    [InlineData(0x3F80_8001u, 0x3F81)]   // above the tie: up
    [InlineData(0x3F80_7FFFu, 0x3F80)]   // below the tie: down
    [InlineData(0x7F7F_FFFFu, 0x7F80)]   // float max rounds to +inf
    [InlineData(0xFF80_0000u, 0xFF80)]   // -inf stays
    [InlineData(0x8000_0000u, 0x8000)]   // -0 stays
    [InlineData(0x7F80_0001u, 0x7FC0)]   // signalling NaN with low payload only: quiet NaN, not inf
    [InlineData(0xFFC0_0000u, 0xFFC0)]   // quiet NaN stays
    public void FloatToBFloat16RoundsToNearestEven(uint bits, int expected)
    {
        // 40 copies so the value goes through the vector path as well as the scalar tail.
        var x = Enumerable.Repeat(BitConverter.UInt32BitsToSingle(bits), 40).ToArray();
        Assert.All(CastToBf16Bits(x), b => Assert.Equal((ushort)expected, b));
    }

    [Fact]
    public void BFloat16RoundTripsEveryPatternExactly()
    {
        var all = new BFloat16[65536];
        for (int i = 0; i < all.Length; i++) all[i] = BFloat16.FromBits((ushort)i);
        using var src = Tensors.Tensor.FromArray(all, all.Length);
        using var f = Tensors.Tensor.Empty(new Shape(all.Length), DType.F32);
        using var back = Tensors.Tensor.Empty(new Shape(all.Length), DType.BF16);
        Cpu.Cast(src, f);
        Cpu.Cast(f, back);
        var floats = f.ToArray();
        var bits = back.ToArray<BFloat16>();
        for (int i = 0; i < all.Length; i++)
        {
            Assert.Equal((uint)i << 16, BitConverter.SingleToUInt32Bits(floats[i]));
            if (float.IsNaN(floats[i])) Assert.True(float.IsNaN((float)bits[i]), $"NaN 0x{i:X4} lost");
            else Assert.Equal((ushort)i, bits[i].Bits);
        }
    }

    [Fact]
    public void FloatToHalfMatchesSystemHalfAtEveryLength()
    {
        foreach (int n in Rand.Lengths())
        {
            var x = Rand.Normal(n, n, 3e4f);
            var expected = new Half[n];
            CpuReference.CastToHalf(x, expected);
            using var src = Tensor(x, n);
            using var dst = Tensors.Tensor.Empty(new Shape(n), DType.F16);
            Cpu.Cast(src, dst);
            Assert.Equal(expected, dst.ToArray<Half>());
        }
    }

    [Fact]
    public void HalfOverflowsToInfinityAndKeepsNaN()
    {
        float[] x = [70000f, -70000f, 65520f, 65519f, float.NaN, float.PositiveInfinity, 1e-8f, BitConverter.UInt32BitsToSingle(0x3F80_1000)];
        using var src = Tensor(x, x.Length);
        using var dst = Tensors.Tensor.Empty(new Shape(x.Length), DType.F16);
        Cpu.Cast(src, dst);
        var h = dst.ToArray<Half>();
        Assert.Equal(Half.PositiveInfinity, h[0]);
        Assert.Equal(Half.NegativeInfinity, h[1]);
        Assert.Equal(Half.PositiveInfinity, h[2]);                 // the tie above 65504 rounds to even: inf
        Assert.Equal((Half)65504f, h[3]);
        Assert.True(Half.IsNaN(h[4]));
        Assert.Equal(Half.PositiveInfinity, h[5]);
        Assert.Equal((Half)1e-8f, h[6]);                           // denormal half
        Assert.Equal((Half)1f, h[7]);                              // 1 + 2^-11 is a tie: rounds to even 1
    }

    [Fact]
    public void HalfRoundTripsEveryPatternExactly()
    {
        var all = new Half[65536];
        for (int i = 0; i < all.Length; i++) all[i] = BitConverter.UInt16BitsToHalf((ushort)i);
        using var src = Tensors.Tensor.FromArray(all, all.Length);
        using var f = Tensors.Tensor.Empty(new Shape(all.Length), DType.F32);
        using var back = Tensors.Tensor.Empty(new Shape(all.Length), DType.F16);
        Cpu.Cast(src, f);
        Cpu.Cast(f, back);
        var floats = f.ToArray();
        var halves = back.ToArray<Half>();
        for (int i = 0; i < all.Length; i++)
        {
            if (Half.IsNaN(all[i]))
            {
                Assert.True(float.IsNaN(floats[i]) && Half.IsNaN(halves[i]), $"NaN 0x{i:X4} lost");
                continue;
            }
            Assert.Equal((float)all[i], floats[i]);
            Assert.Equal((ushort)i, BitConverter.HalfToUInt16Bits(halves[i]));
        }
    }

    [Fact]
    public void UnsupportedCastNamesBothTensors()
    {
        using var a = Tensors.Tensor.Empty(new Shape(4), DType.I32);
        using var b = Tensors.Tensor.Empty(new Shape(4), DType.F32);
        var e = Assert.Throws<ArgumentException>(() => Cpu.Cast(a, b));
        Assert.Contains("I32", e.Message);
        Assert.Contains("F32", e.Message);
    }
}
