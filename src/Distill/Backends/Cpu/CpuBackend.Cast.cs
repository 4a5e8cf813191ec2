// Casts between F32 and the 16-bit storage formats on the CPU. F32 <-> BF16 is vectorised bit work
// (round to nearest even, NaN kept a quiet NaN, as the BFloat16 struct does); F32 <-> F16 goes through
// System.Half (round to nearest even, overflow to inf). Chunks split across cores.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Distill.Tensors;

namespace Distill.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Cast(Tensor src, Tensor dst)
    {
        if (src.Numel != dst.Numel)
            throw new ArgumentException($"Cast: {src.Describe()} -> {dst.Describe()}: element counts differ");
        nint ps = src.Pointer, pd = dst.Pointer;
        switch (src.DType, dst.DType)
        {
            case (DType.F32, DType.BF16):
                ForChunks(src.Numel, (s, n) => FloatToBFloat16(Span(ps, s, n), new Span<ushort>((ushort*)pd + s, n)));
                break;
            case (DType.BF16, DType.F32):
                ForChunks(src.Numel, (s, n) => BFloat16ToFloat(new ReadOnlySpan<ushort>((ushort*)ps + s, n), Span(pd, s, n)));
                break;
            case (DType.F32, DType.F16):
                ForChunks(src.Numel, (s, n) =>
                {
                    float* from = (float*)ps + s;
                    Half* to = (Half*)pd + s;
                    for (int i = 0; i < n; i++) to[i] = (Half)from[i];
                });
                break;
            case (DType.F16, DType.F32):
                ForChunks(src.Numel, (s, n) =>
                {
                    Half* from = (Half*)ps + s;
                    float* to = (float*)pd + s;
                    for (int i = 0; i < n; i++) to[i] = (float)from[i];
                });
                break;
            default:
                throw new ArgumentException($"Cast: {src.Describe()} -> {dst.Describe()} is not supported (F32 <-> BF16/F16)");
        }
    }

    /// <summary>dst = bf16(src), round to nearest even; NaN becomes a quiet NaN (the BFloat16 struct's rule).</summary>
    internal static void FloatToBFloat16(ReadOnlySpan<float> src, Span<ushort> dst)
    {
        ref uint ps = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(src));
        ref ushort pd = ref MemoryMarshal.GetReference(dst);
        nuint i = 0, len = (nuint)src.Length;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 32 <= len; i += 32)
                Vector512.Narrow(RoundToBf16(Vector512.LoadUnsafe(ref ps, i)), RoundToBf16(Vector512.LoadUnsafe(ref ps, i + 16))).StoreUnsafe(ref pd, i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 16 <= len; i += 16)
                Vector256.Narrow(RoundToBf16(Vector256.LoadUnsafe(ref ps, i)), RoundToBf16(Vector256.LoadUnsafe(ref ps, i + 8))).StoreUnsafe(ref pd, i);
        }
        for (; i < len; i++) Unsafe.Add(ref pd, i) = ((BFloat16)BitConverter.UInt32BitsToSingle(Unsafe.Add(ref ps, i))).Bits;
    }

    /// <summary>dst = float(src): bf16 bits in the top half of a float.</summary>
    internal static void BFloat16ToFloat(ReadOnlySpan<ushort> src, Span<float> dst)
    {
        ref ushort ps = ref MemoryMarshal.GetReference(src);
        ref uint pd = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(dst));
        nuint i = 0, len = (nuint)src.Length;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 32 <= len; i += 32)
            {
                var (lo, hi) = Vector512.Widen(Vector512.LoadUnsafe(ref ps, i));
                Vector512.ShiftLeft(lo, 16).StoreUnsafe(ref pd, i);
                Vector512.ShiftLeft(hi, 16).StoreUnsafe(ref pd, i + 16);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 16 <= len; i += 16)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref ps, i));
                Vector256.ShiftLeft(lo, 16).StoreUnsafe(ref pd, i);
                Vector256.ShiftLeft(hi, 16).StoreUnsafe(ref pd, i + 8);
            }
        }
        for (; i < len; i++) Unsafe.Add(ref pd, i) = (uint)Unsafe.Add(ref ps, i) << 16;
    }

    // The bf16 bits of each float in the low half of a lane: (u + 0x7FFF + lsb) >> 16, NaN -> (u >> 16) | 0x40.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> RoundToBf16(Vector512<uint> u)
    {
        var rounded = (u + Vector512.Create(0x7FFFu) + ((u >> 16) & Vector512<uint>.One)) >> 16;
        var isNaN = Vector512.GreaterThan(u & Vector512.Create(0x7FFF_FFFFu), Vector512.Create(0x7F80_0000u));
        return Vector512.ConditionalSelect(isNaN, (u >> 16) | Vector512.Create(0x40u), rounded);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> RoundToBf16(Vector256<uint> u)
    {
        var rounded = (u + Vector256.Create(0x7FFFu) + ((u >> 16) & Vector256<uint>.One)) >> 16;
        var isNaN = Vector256.GreaterThan(u & Vector256.Create(0x7FFF_FFFFu), Vector256.Create(0x7F80_0000u));
        return Vector256.ConditionalSelect(isNaN, (u >> 16) | Vector256.Create(0x40u), rounded);
    }
}
