// The one SIMD driver of the CPU backend: runs an op struct (SimdOp.cs) over spans with Vector512 when
// AVX-512 is there, else Vector256, and a scalar tail. Maps are elementwise (outputs may alias inputs at
// the same index); reductions sum in float over vector accumulators with the scalar tail in double, or
// take a max, or sum in double. Single-threaded: callers split rows or chunks with CpuParallel.For.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Distill.Backends.Cpu;

internal static class SimdMap
{
    // ---- maps -----------------------------------------------------------------------------------

    /// <summary>y[i] = op(x[i]).</summary>
    public static void Unary<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> y) where TOp : struct, IUnaryOp
    {
        int n = x.Length;
        Require(y.Length == n, n);
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        nuint i = 0, len = (nuint)n;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= len; i += 16)
                op.Invoke(Vector512.LoadUnsafe(ref px, i)).StoreUnsafe(ref py, i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= len; i += 8)
                op.Invoke(Vector256.LoadUnsafe(ref px, i)).StoreUnsafe(ref py, i);
        }
        for (; i < len; i++) Unsafe.Add(ref py, i) = op.Invoke(Unsafe.Add(ref px, i));
    }

    /// <summary>y[i] = op(a[i], b[i]).</summary>
    public static void Binary<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) where TOp : struct, IBinaryOp
    {
        int n = a.Length;
        Require(b.Length == n && y.Length == n, n);
        ref float pa = ref MemoryMarshal.GetReference(a);
        ref float pb = ref MemoryMarshal.GetReference(b);
        ref float py = ref MemoryMarshal.GetReference(y);
        nuint i = 0, len = (nuint)n;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= len; i += 16)
                op.Invoke(Vector512.LoadUnsafe(ref pa, i), Vector512.LoadUnsafe(ref pb, i)).StoreUnsafe(ref py, i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= len; i += 8)
                op.Invoke(Vector256.LoadUnsafe(ref pa, i), Vector256.LoadUnsafe(ref pb, i)).StoreUnsafe(ref py, i);
        }
        for (; i < len; i++) Unsafe.Add(ref py, i) = op.Invoke(Unsafe.Add(ref pa, i), Unsafe.Add(ref pb, i));
    }

    /// <summary>y[i] = op(a[i], b[i], c[i]).</summary>
    public static void Ternary<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, Span<float> y)
        where TOp : struct, ITernaryOp
    {
        int n = a.Length;
        Require(b.Length == n && c.Length == n && y.Length == n, n);
        ref float pa = ref MemoryMarshal.GetReference(a);
        ref float pb = ref MemoryMarshal.GetReference(b);
        ref float pc = ref MemoryMarshal.GetReference(c);
        ref float py = ref MemoryMarshal.GetReference(y);
        nuint i = 0, len = (nuint)n;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= len; i += 16)
                op.Invoke(Vector512.LoadUnsafe(ref pa, i), Vector512.LoadUnsafe(ref pb, i), Vector512.LoadUnsafe(ref pc, i)).StoreUnsafe(ref py, i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= len; i += 8)
                op.Invoke(Vector256.LoadUnsafe(ref pa, i), Vector256.LoadUnsafe(ref pb, i), Vector256.LoadUnsafe(ref pc, i)).StoreUnsafe(ref py, i);
        }
        for (; i < len; i++)
            Unsafe.Add(ref py, i) = op.Invoke(Unsafe.Add(ref pa, i), Unsafe.Add(ref pb, i), Unsafe.Add(ref pc, i));
    }

    /// <summary>y[i] = op(a[i], b[i], c[i], d[i]).</summary>
    public static void Quaternary<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, ReadOnlySpan<float> d, Span<float> y)
        where TOp : struct, IQuaternaryOp
    {
        int n = a.Length;
        Require(b.Length == n && c.Length == n && d.Length == n && y.Length == n, n);
        ref float pa = ref MemoryMarshal.GetReference(a);
        ref float pb = ref MemoryMarshal.GetReference(b);
        ref float pc = ref MemoryMarshal.GetReference(c);
        ref float pd = ref MemoryMarshal.GetReference(d);
        ref float py = ref MemoryMarshal.GetReference(y);
        nuint i = 0, len = (nuint)n;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= len; i += 16)
                op.Invoke(Vector512.LoadUnsafe(ref pa, i), Vector512.LoadUnsafe(ref pb, i), Vector512.LoadUnsafe(ref pc, i),
                    Vector512.LoadUnsafe(ref pd, i)).StoreUnsafe(ref py, i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= len; i += 8)
                op.Invoke(Vector256.LoadUnsafe(ref pa, i), Vector256.LoadUnsafe(ref pb, i), Vector256.LoadUnsafe(ref pc, i),
                    Vector256.LoadUnsafe(ref pd, i)).StoreUnsafe(ref py, i);
        }
        for (; i < len; i++)
            Unsafe.Add(ref py, i) = op.Invoke(Unsafe.Add(ref pa, i), Unsafe.Add(ref pb, i), Unsafe.Add(ref pc, i), Unsafe.Add(ref pd, i));
    }

    // ---- reductions -----------------------------------------------------------------------------

    /// <summary>Sum of op(x[i]) in float (four vector accumulators, then a horizontal add).</summary>
    public static float Sum<TOp>(TOp op, ReadOnlySpan<float> x) where TOp : struct, IUnaryOp
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        nuint i = 0, len = (nuint)x.Length;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i + 64 <= len; i += 64)
            {
                s0 += op.Invoke(Vector512.LoadUnsafe(ref px, i));
                s1 += op.Invoke(Vector512.LoadUnsafe(ref px, i + 16));
                s2 += op.Invoke(Vector512.LoadUnsafe(ref px, i + 32));
                s3 += op.Invoke(Vector512.LoadUnsafe(ref px, i + 48));
            }
            for (; i + 16 <= len; i += 16) s0 += op.Invoke(Vector512.LoadUnsafe(ref px, i));
            sum = Vector512.Sum((s0 + s1) + (s2 + s3));
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i + 32 <= len; i += 32)
            {
                s0 += op.Invoke(Vector256.LoadUnsafe(ref px, i));
                s1 += op.Invoke(Vector256.LoadUnsafe(ref px, i + 8));
                s2 += op.Invoke(Vector256.LoadUnsafe(ref px, i + 16));
                s3 += op.Invoke(Vector256.LoadUnsafe(ref px, i + 24));
            }
            for (; i + 8 <= len; i += 8) s0 += op.Invoke(Vector256.LoadUnsafe(ref px, i));
            sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        }
        double rest = 0;   // the scalar tail (all of it without SIMD) in double, so long rows stay accurate
        for (; i < len; i++) rest += op.Invoke(Unsafe.Add(ref px, i));
        return (float)(sum + rest);
    }

    /// <summary>Sum of op(a[i], b[i]) in float.</summary>
    public static float Sum<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b) where TOp : struct, IBinaryOp
    {
        Require(b.Length == a.Length, a.Length);
        ref float pa = ref MemoryMarshal.GetReference(a);
        ref float pb = ref MemoryMarshal.GetReference(b);
        nuint i = 0, len = (nuint)a.Length;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i + 64 <= len; i += 64)
            {
                s0 += op.Invoke(Vector512.LoadUnsafe(ref pa, i), Vector512.LoadUnsafe(ref pb, i));
                s1 += op.Invoke(Vector512.LoadUnsafe(ref pa, i + 16), Vector512.LoadUnsafe(ref pb, i + 16));
                s2 += op.Invoke(Vector512.LoadUnsafe(ref pa, i + 32), Vector512.LoadUnsafe(ref pb, i + 32));
                s3 += op.Invoke(Vector512.LoadUnsafe(ref pa, i + 48), Vector512.LoadUnsafe(ref pb, i + 48));
            }
            for (; i + 16 <= len; i += 16) s0 += op.Invoke(Vector512.LoadUnsafe(ref pa, i), Vector512.LoadUnsafe(ref pb, i));
            sum = Vector512.Sum((s0 + s1) + (s2 + s3));
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i + 32 <= len; i += 32)
            {
                s0 += op.Invoke(Vector256.LoadUnsafe(ref pa, i), Vector256.LoadUnsafe(ref pb, i));
                s1 += op.Invoke(Vector256.LoadUnsafe(ref pa, i + 8), Vector256.LoadUnsafe(ref pb, i + 8));
                s2 += op.Invoke(Vector256.LoadUnsafe(ref pa, i + 16), Vector256.LoadUnsafe(ref pb, i + 16));
                s3 += op.Invoke(Vector256.LoadUnsafe(ref pa, i + 24), Vector256.LoadUnsafe(ref pb, i + 24));
            }
            for (; i + 8 <= len; i += 8) s0 += op.Invoke(Vector256.LoadUnsafe(ref pa, i), Vector256.LoadUnsafe(ref pb, i));
            sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        }
        double rest = 0;
        for (; i < len; i++) rest += op.Invoke(Unsafe.Add(ref pa, i), Unsafe.Add(ref pb, i));
        return (float)(sum + rest);
    }

    /// <summary>Sum of op(a[i], b[i], c[i]) in float.</summary>
    public static float Sum<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c) where TOp : struct, ITernaryOp
    {
        Require(b.Length == a.Length && c.Length == a.Length, a.Length);
        ref float pa = ref MemoryMarshal.GetReference(a);
        ref float pb = ref MemoryMarshal.GetReference(b);
        ref float pc = ref MemoryMarshal.GetReference(c);
        nuint i = 0, len = (nuint)a.Length;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> s0 = default, s1 = default;
            for (; i + 32 <= len; i += 32)
            {
                s0 += op.Invoke(Vector512.LoadUnsafe(ref pa, i), Vector512.LoadUnsafe(ref pb, i), Vector512.LoadUnsafe(ref pc, i));
                s1 += op.Invoke(Vector512.LoadUnsafe(ref pa, i + 16), Vector512.LoadUnsafe(ref pb, i + 16), Vector512.LoadUnsafe(ref pc, i + 16));
            }
            for (; i + 16 <= len; i += 16)
                s0 += op.Invoke(Vector512.LoadUnsafe(ref pa, i), Vector512.LoadUnsafe(ref pb, i), Vector512.LoadUnsafe(ref pc, i));
            sum = Vector512.Sum(s0 + s1);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> s0 = default, s1 = default;
            for (; i + 16 <= len; i += 16)
            {
                s0 += op.Invoke(Vector256.LoadUnsafe(ref pa, i), Vector256.LoadUnsafe(ref pb, i), Vector256.LoadUnsafe(ref pc, i));
                s1 += op.Invoke(Vector256.LoadUnsafe(ref pa, i + 8), Vector256.LoadUnsafe(ref pb, i + 8), Vector256.LoadUnsafe(ref pc, i + 8));
            }
            for (; i + 8 <= len; i += 8)
                s0 += op.Invoke(Vector256.LoadUnsafe(ref pa, i), Vector256.LoadUnsafe(ref pb, i), Vector256.LoadUnsafe(ref pc, i));
            sum = Vector256.Sum(s0 + s1);
        }
        double rest = 0;
        for (; i < len; i++) rest += op.Invoke(Unsafe.Add(ref pa, i), Unsafe.Add(ref pb, i), Unsafe.Add(ref pc, i));
        return (float)(sum + rest);
    }

    /// <summary>
    /// y[i] = op(x[i]) and returns the float sum of y (softmax's exp pass), summed in the same order as
    /// <see cref="Sum{TOp}(TOp, ReadOnlySpan{float})"/> so both give the same bits.
    /// </summary>
    public static float UnarySum<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> y) where TOp : struct, IUnaryOp
    {
        int n = x.Length;
        Require(y.Length == n, n);
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        nuint i = 0, len = (nuint)n;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i + 64 <= len; i += 64)
            {
                var v0 = op.Invoke(Vector512.LoadUnsafe(ref px, i));
                var v1 = op.Invoke(Vector512.LoadUnsafe(ref px, i + 16));
                var v2 = op.Invoke(Vector512.LoadUnsafe(ref px, i + 32));
                var v3 = op.Invoke(Vector512.LoadUnsafe(ref px, i + 48));
                v0.StoreUnsafe(ref py, i);
                v1.StoreUnsafe(ref py, i + 16);
                v2.StoreUnsafe(ref py, i + 32);
                v3.StoreUnsafe(ref py, i + 48);
                s0 += v0;
                s1 += v1;
                s2 += v2;
                s3 += v3;
            }
            for (; i + 16 <= len; i += 16)
            {
                var v = op.Invoke(Vector512.LoadUnsafe(ref px, i));
                v.StoreUnsafe(ref py, i);
                s0 += v;
            }
            sum = Vector512.Sum((s0 + s1) + (s2 + s3));
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i + 32 <= len; i += 32)
            {
                var v0 = op.Invoke(Vector256.LoadUnsafe(ref px, i));
                var v1 = op.Invoke(Vector256.LoadUnsafe(ref px, i + 8));
                var v2 = op.Invoke(Vector256.LoadUnsafe(ref px, i + 16));
                var v3 = op.Invoke(Vector256.LoadUnsafe(ref px, i + 24));
                v0.StoreUnsafe(ref py, i);
                v1.StoreUnsafe(ref py, i + 8);
                v2.StoreUnsafe(ref py, i + 16);
                v3.StoreUnsafe(ref py, i + 24);
                s0 += v0;
                s1 += v1;
                s2 += v2;
                s3 += v3;
            }
            for (; i + 8 <= len; i += 8)
            {
                var v = op.Invoke(Vector256.LoadUnsafe(ref px, i));
                v.StoreUnsafe(ref py, i);
                s0 += v;
            }
            sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        }
        double rest = 0;
        for (; i < len; i++)
        {
            float v = op.Invoke(Unsafe.Add(ref px, i));
            Unsafe.Add(ref py, i) = v;
            rest += v;
        }
        return (float)(sum + rest);
    }

    /// <summary>
    /// Largest element (-inf for an empty span). With NaN present the result may or may not be NaN; the
    /// callers (softmax, cross-entropy) then produce NaN either way through exp(x - max).
    /// </summary>
    public static float Max(ReadOnlySpan<float> x)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        nuint i = 0, len = (nuint)x.Length;
        float max = float.NegativeInfinity;
        if (Vector512.IsHardwareAccelerated && len >= 16)
        {
            var m0 = Vector512.Create(float.NegativeInfinity);
            var m1 = m0;
            for (; i + 32 <= len; i += 32)
            {
                m0 = Vector512.MaxNative(m0, Vector512.LoadUnsafe(ref px, i));
                m1 = Vector512.MaxNative(m1, Vector512.LoadUnsafe(ref px, i + 16));
            }
            for (; i + 16 <= len; i += 16) m0 = Vector512.MaxNative(m0, Vector512.LoadUnsafe(ref px, i));
            m0 = Vector512.MaxNative(m0, m1);
            var m = Vector256.MaxNative(m0.GetLower(), m0.GetUpper());
            var q = Vector128.MaxNative(m.GetLower(), m.GetUpper());
            for (int k = 0; k < 4; k++) max = MathF.Max(max, q[k]);
        }
        else if (Vector256.IsHardwareAccelerated && len >= 8)
        {
            var m0 = Vector256.Create(float.NegativeInfinity);
            var m1 = m0;
            for (; i + 16 <= len; i += 16)
            {
                m0 = Vector256.MaxNative(m0, Vector256.LoadUnsafe(ref px, i));
                m1 = Vector256.MaxNative(m1, Vector256.LoadUnsafe(ref px, i + 8));
            }
            for (; i + 8 <= len; i += 8) m0 = Vector256.MaxNative(m0, Vector256.LoadUnsafe(ref px, i));
            m0 = Vector256.MaxNative(m0, m1);
            var q = Vector128.MaxNative(m0.GetLower(), m0.GetUpper());
            for (int k = 0; k < 4; k++) max = MathF.Max(max, q[k]);
        }
        for (; i < len; i++) max = MathF.Max(max, Unsafe.Add(ref px, i));
        return max;
    }

    /// <summary>Sum of x accumulated in double (widening each vector), for Sum/Mean and losses.</summary>
    public static double SumDouble(ReadOnlySpan<float> x)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        nuint i = 0, len = (nuint)x.Length;
        double sum = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<double> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i + 32 <= len; i += 32)
            {
                var (a, b) = Vector512.Widen(Vector512.LoadUnsafe(ref px, i));
                var (c, d) = Vector512.Widen(Vector512.LoadUnsafe(ref px, i + 16));
                s0 += a;
                s1 += b;
                s2 += c;
                s3 += d;
            }
            for (; i + 16 <= len; i += 16)
            {
                var (a, b) = Vector512.Widen(Vector512.LoadUnsafe(ref px, i));
                s0 += a;
                s1 += b;
            }
            sum = Vector512.Sum((s0 + s1) + (s2 + s3));
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<double> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i + 16 <= len; i += 16)
            {
                var (a, b) = Vector256.Widen(Vector256.LoadUnsafe(ref px, i));
                var (c, d) = Vector256.Widen(Vector256.LoadUnsafe(ref px, i + 8));
                s0 += a;
                s1 += b;
                s2 += c;
                s3 += d;
            }
            for (; i + 8 <= len; i += 8)
            {
                var (a, b) = Vector256.Widen(Vector256.LoadUnsafe(ref px, i));
                s0 += a;
                s1 += b;
            }
            sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        }
        for (; i < len; i++) sum += Unsafe.Add(ref px, i);
        return sum;
    }

    private static void Require(bool sameLengths, int n)
    {
        if (!sameLengths) throw new ArgumentException($"SimdMap: spans must all have length {n}");
    }
}
