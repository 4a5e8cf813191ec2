// Packing for CpuGemm: copies a block of op(A) into MR-row panels and of op(B) into NR-column panels,
// k-major and zero-padded, so the micro-kernel reads both with unit stride and no edge checks.
// The transposing cases (A not transposed, B transposed) use 4x4 / 8x8 SIMD register transposes.
// Hot methods here are AggressiveOptimization: tier-0 code would call Vector*.Load as functions, and
// tiering promotes them only after ~100 ms, i.e. after the first several large GEMMs.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Distill.Backends.Cpu;

public static unsafe partial class CpuGemm
{
    /// <summary>
    /// One A panel: dst[p * MR + r] = op(A)(i0 + r, p0 + p) for r &lt; rows, p &lt; kc; rows rows..MR-1 are zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(in GemmJob job, int i0, int rows, int p0, int kc, float* dst)
    {
        int mr = job.Mr;
        int lda = job.Lda;
        if (job.TransA)
        {
            // A stored (K, M): each p contributes MR contiguous floats.
            float* src = job.A + (nint)p0 * lda + i0;
            if (rows == mr && mr == 12)
            {
                for (int p = 0; p < kc; p++, src += lda, dst += 12)
                {
                    Vector256.Store(Vector256.Load(src), dst);
                    Vector128.Store(Vector128.Load(src + 8), dst + 8);
                }
                return;
            }
            if (rows == mr && mr == 6)
            {
                for (int p = 0; p < kc; p++, src += lda, dst += 6)
                {
                    Vector128.Store(Vector128.Load(src), dst);
                    dst[4] = src[4];
                    dst[5] = src[5];
                }
                return;
            }
            for (int p = 0; p < kc; p++, src += lda, dst += mr)
            {
                int r = 0;
                for (; r < rows; r++) dst[r] = src[r];
                for (; r < mr; r++) dst[r] = 0f;
            }
            return;
        }

        // A stored (M, K): row r is contiguous in p; transpose 4 rows x 4 depths at a time.
        float* a0 = job.A + (nint)i0 * lda + p0;
        int fullGroups = Sse.IsSupported ? rows / 4 : 0;
        int kc4 = kc & ~3;
        for (int g = 0; g < fullGroups; g++)
        {
            float* s0 = a0 + (nint)(4 * g) * lda, s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda;
            float* d = dst + 4 * g;
            for (int p = 0; p < kc4; p += 4, d += 4 * mr)
            {
                Transpose4x4(Vector128.Load(s0 + p), Vector128.Load(s1 + p), Vector128.Load(s2 + p), Vector128.Load(s3 + p),
                    out var o0, out var o1, out var o2, out var o3);
                Vector128.Store(o0, d);
                Vector128.Store(o1, d + mr);
                Vector128.Store(o2, d + 2 * mr);
                Vector128.Store(o3, d + 3 * mr);
            }
            for (int p = kc4; p < kc; p++)
            {
                dst[p * mr + 4 * g] = s0[p];
                dst[p * mr + 4 * g + 1] = s1[p];
                dst[p * mr + 4 * g + 2] = s2[p];
                dst[p * mr + 4 * g + 3] = s3[p];
            }
        }
        for (int r = 4 * fullGroups; r < mr; r++)
        {
            if (r < rows)
            {
                float* s = a0 + (nint)r * lda;
                for (int p = 0; p < kc; p++) dst[p * mr + r] = s[p];
            }
            else
            {
                for (int p = 0; p < kc; p++) dst[p * mr + r] = 0f;
            }
        }
    }

    /// <summary>
    /// One B panel: dst[p * NR + j] = op(B)(p0 + p, j0 + j) for j &lt; cols, p &lt; kc; columns cols..NR-1 are zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(in GemmJob job, int p0, int kc, int j0, int cols, float* dst)
    {
        int nr = job.Nr;
        int ldb = job.Ldb;
        if (!job.TransB)
        {
            // B stored (K, N): each p contributes NR contiguous floats.
            float* src = job.B + (nint)p0 * ldb + j0;
            if (cols == nr)
            {
                if (nr == 32)
                {
                    for (int p = 0; p < kc; p++, src += ldb, dst += 32)
                    {
                        Vector512.Store(Vector512.Load(src), dst);
                        Vector512.Store(Vector512.Load(src + 16), dst + 16);
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++, src += ldb, dst += nr)
                        for (int j = 0; j < nr; j += 8) Vector256.Store(Vector256.Load(src + j), dst + j);
                }
                return;
            }
            for (int p = 0; p < kc; p++, src += ldb, dst += nr)
            {
                int j = 0;
                for (; j < cols; j++) dst[j] = src[j];
                for (; j < nr; j++) dst[j] = 0f;
            }
            return;
        }

        // B stored (N, K): column j of op(B) is row j0 + j, contiguous in p; transpose 8 x 8 blocks.
        float* b0 = job.B + (nint)j0 * ldb + p0;
        int fullGroups = Avx.IsSupported ? cols / 8 : 0;
        int kc8 = kc & ~7;
        for (int g = 0; g < fullGroups; g++)
        {
            float* s = b0 + (nint)(8 * g) * ldb;
            float* d = dst + 8 * g;
            for (int p = 0; p < kc8; p += 8, d += 8 * nr)
                Transpose8x8Store(s + p, ldb, d, nr);
            for (int p = kc8; p < kc; p++)
                for (int j = 0; j < 8; j++) dst[p * nr + 8 * g + j] = s[(nint)j * ldb + p];
        }
        for (int j = 8 * fullGroups; j < nr; j++)
        {
            if (j < cols)
            {
                float* s = b0 + (nint)j * ldb;
                for (int p = 0; p < kc; p++) dst[p * nr + j] = s[p];
            }
            else
            {
                for (int p = 0; p < kc; p++) dst[p * nr + j] = 0f;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x4(Vector128<float> r0, Vector128<float> r1, Vector128<float> r2, Vector128<float> r3,
        out Vector128<float> o0, out Vector128<float> o1, out Vector128<float> o2, out Vector128<float> o3)
    {
        var t0 = Sse.UnpackLow(r0, r1);     // r0[0] r1[0] r0[1] r1[1]
        var t1 = Sse.UnpackLow(r2, r3);     // r2[0] r3[0] r2[1] r3[1]
        var t2 = Sse.UnpackHigh(r0, r1);    // r0[2] r1[2] r0[3] r1[3]
        var t3 = Sse.UnpackHigh(r2, r3);    // r2[2] r3[2] r2[3] r3[3]
        o0 = Sse.MoveLowToHigh(t0, t1);     // column 0
        o1 = Sse.MoveHighToLow(t1, t0);     // column 1
        o2 = Sse.MoveLowToHigh(t2, t3);
        o3 = Sse.MoveHighToLow(t3, t2);
    }

    /// <summary>Reads 8 rows of 8 floats (row stride ld) and stores their transpose as 8 rows at d (stride ldd).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8Store(float* s, int ld, float* d, int ldd)
    {
        var r0 = Avx.LoadVector256(s);
        var r1 = Avx.LoadVector256(s + ld);
        var r2 = Avx.LoadVector256(s + 2 * (nint)ld);
        var r3 = Avx.LoadVector256(s + 3 * (nint)ld);
        var r4 = Avx.LoadVector256(s + 4 * (nint)ld);
        var r5 = Avx.LoadVector256(s + 5 * (nint)ld);
        var r6 = Avx.LoadVector256(s + 6 * (nint)ld);
        var r7 = Avx.LoadVector256(s + 7 * (nint)ld);
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(d + ldd, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(d + 2 * ldd, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(d + 3 * ldd, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(d + 4 * ldd, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(d + 5 * ldd, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(d + 6 * ldd, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(d + 7 * ldd, Avx.Permute2x128(u3, u7, 0x31));
    }
}
