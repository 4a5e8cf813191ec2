// Vectorised natural log for the fused losses that need log of a mixture (JSD, skew KL): Cephes' logf
// (mantissa in [sqrt(1/2), sqrt(2)), degree-8 polynomial, ln 2 split in two), about 1 ulp. Defined for
// normal, positive, finite inputs only: the callers clamp to float.MinNormal first.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Distill.Backends.Cpu;

internal static class SimdLog
{
    private const float SqrtHalf = 0.707106781186547524f;
    private const float Ln2Hi = 0.693359375f;
    private const float Ln2Lo = -2.12194440e-4f;
    private const float C0 = 7.0376836292e-2f, C1 = -1.1514610310e-1f, C2 = 1.1676998740e-1f, C3 = -1.2420140846e-1f;
    private const float C4 = 1.4249322787e-1f, C5 = -1.6668057665e-1f, C6 = 2.0000714765e-1f, C7 = -2.4999993993e-1f;
    private const float C8 = 3.3333331174e-1f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Log(Vector512<float> x)
    {
        // x = m 2^e with m in [1/2, 1): exponent bits and the mantissa bits under exponent -1.
        var bits = x.AsInt32();
        var e = Vector512.ConvertToSingle(Vector512.ShiftRightArithmetic(bits, 23) - Vector512.Create(126));
        var m = ((bits & Vector512.Create(0x007FFFFF)) | Vector512.Create(0x3F000000)).AsSingle();
        // Move m into [sqrt(1/2), sqrt(2)): below sqrt(1/2) use 2m and e - 1.
        var small = Vector512.LessThan(m, Vector512.Create(SqrtHalf));
        e -= small & Vector512<float>.One;
        var f = m + (small & m) - Vector512<float>.One;
        var z = f * f;
        var y = Vector512.FusedMultiplyAdd(Vector512.Create(C0), f, Vector512.Create(C1));
        y = Vector512.FusedMultiplyAdd(y, f, Vector512.Create(C2));
        y = Vector512.FusedMultiplyAdd(y, f, Vector512.Create(C3));
        y = Vector512.FusedMultiplyAdd(y, f, Vector512.Create(C4));
        y = Vector512.FusedMultiplyAdd(y, f, Vector512.Create(C5));
        y = Vector512.FusedMultiplyAdd(y, f, Vector512.Create(C6));
        y = Vector512.FusedMultiplyAdd(y, f, Vector512.Create(C7));
        y = Vector512.FusedMultiplyAdd(y, f, Vector512.Create(C8));
        y = y * f * z;
        y = Vector512.FusedMultiplyAdd(e, Vector512.Create(Ln2Lo), y);
        y = Vector512.FusedMultiplyAdd(z, Vector512.Create(-0.5f), y);
        return Vector512.FusedMultiplyAdd(e, Vector512.Create(Ln2Hi), f + y);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Log(Vector256<float> x)
    {
        var bits = x.AsInt32();
        var e = Vector256.ConvertToSingle(Vector256.ShiftRightArithmetic(bits, 23) - Vector256.Create(126));
        var m = ((bits & Vector256.Create(0x007FFFFF)) | Vector256.Create(0x3F000000)).AsSingle();
        var small = Vector256.LessThan(m, Vector256.Create(SqrtHalf));
        e -= small & Vector256<float>.One;
        var f = m + (small & m) - Vector256<float>.One;
        var z = f * f;
        var y = Vector256.FusedMultiplyAdd(Vector256.Create(C0), f, Vector256.Create(C1));
        y = Vector256.FusedMultiplyAdd(y, f, Vector256.Create(C2));
        y = Vector256.FusedMultiplyAdd(y, f, Vector256.Create(C3));
        y = Vector256.FusedMultiplyAdd(y, f, Vector256.Create(C4));
        y = Vector256.FusedMultiplyAdd(y, f, Vector256.Create(C5));
        y = Vector256.FusedMultiplyAdd(y, f, Vector256.Create(C6));
        y = Vector256.FusedMultiplyAdd(y, f, Vector256.Create(C7));
        y = Vector256.FusedMultiplyAdd(y, f, Vector256.Create(C8));
        y = y * f * z;
        y = Vector256.FusedMultiplyAdd(e, Vector256.Create(Ln2Lo), y);
        y = Vector256.FusedMultiplyAdd(z, Vector256.Create(-0.5f), y);
        return Vector256.FusedMultiplyAdd(e, Vector256.Create(Ln2Hi), f + y);
    }
}
