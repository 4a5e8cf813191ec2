// Widening BF16 and F16 storage to F32 when loading weights. BF16 -> F32 is a 16-bit shift, done with
// Vector512 (Vector256 fallback) plus a scalar tail; the *Scalar methods are the plain twins tests use.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Distill.IO;

internal static class HalfConversion
{
    /// <summary>dst[i] = (float)bf16(src[i]); src holds raw bfloat16 bits.</summary>
    public static void Bf16ToF32(ReadOnlySpan<ushort> src, Span<float> dst)
    {
        if (dst.Length < src.Length) throw new ArgumentException($"Bf16ToF32: destination {dst.Length} < source {src.Length}");
        ref ushort s = ref MemoryMarshal.GetReference(src);
        ref uint d = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(dst));
        int n = src.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + Vector512<ushort>.Count <= n; i += Vector512<ushort>.Count)
            {
                var (lo, hi) = Vector512.Widen(Vector512.LoadUnsafe(ref s, (nuint)i));
                (lo << 16).StoreUnsafe(ref d, (nuint)i);
                (hi << 16).StoreUnsafe(ref d, (nuint)(i + Vector512<uint>.Count));
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<ushort>.Count <= n; i += Vector256<ushort>.Count)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref s, (nuint)i));
                (lo << 16).StoreUnsafe(ref d, (nuint)i);
                (hi << 16).StoreUnsafe(ref d, (nuint)(i + Vector256<uint>.Count));
            }
        }
        for (; i < n; i++) Unsafe.Add(ref d, i) = (uint)Unsafe.Add(ref s, i) << 16;
    }

    /// <summary>Scalar twin of <see cref="Bf16ToF32"/>.</summary>
    public static void Bf16ToF32Scalar(ReadOnlySpan<ushort> src, Span<float> dst)
    {
        for (int i = 0; i < src.Length; i++) dst[i] = BitConverter.UInt32BitsToSingle((uint)src[i] << 16);
    }

    /// <summary>dst[i] = (float)half(src[i]); exact (every F16 value is an F32 value), NaN stays NaN.</summary>
    public static void F16ToF32(ReadOnlySpan<Half> src, Span<float> dst)
    {
        if (dst.Length < src.Length) throw new ArgumentException($"F16ToF32: destination {dst.Length} < source {src.Length}");
        for (int i = 0; i < src.Length; i++) dst[i] = (float)src[i];
    }
}
