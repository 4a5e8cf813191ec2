// The register micro-kernels of CpuGemm (generated shape, written out so that every accumulator is
// a local the JIT keeps in a register): 12x32 with Vector512 (24 zmm accumulators), 6x16 with Vector256.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Distill.Backends.Cpu;

public static unsafe partial class CpuGemm
{
    /// <summary>
    /// C[0..12, 0..32] = alpha * (A panel (12 x kc, k-major) * B panel (kc x 32, k-major)) + beta * C;
    /// beta == 0 never reads C. 24 accumulators stay in registers for the whole K loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel12x32(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        var c0_0 = Vector512<float>.Zero; var c0_1 = Vector512<float>.Zero;
        var c1_0 = Vector512<float>.Zero; var c1_1 = Vector512<float>.Zero;
        var c2_0 = Vector512<float>.Zero; var c2_1 = Vector512<float>.Zero;
        var c3_0 = Vector512<float>.Zero; var c3_1 = Vector512<float>.Zero;
        var c4_0 = Vector512<float>.Zero; var c4_1 = Vector512<float>.Zero;
        var c5_0 = Vector512<float>.Zero; var c5_1 = Vector512<float>.Zero;
        var c6_0 = Vector512<float>.Zero; var c6_1 = Vector512<float>.Zero;
        var c7_0 = Vector512<float>.Zero; var c7_1 = Vector512<float>.Zero;
        var c8_0 = Vector512<float>.Zero; var c8_1 = Vector512<float>.Zero;
        var c9_0 = Vector512<float>.Zero; var c9_1 = Vector512<float>.Zero;
        var c10_0 = Vector512<float>.Zero; var c10_1 = Vector512<float>.Zero;
        var c11_0 = Vector512<float>.Zero; var c11_1 = Vector512<float>.Zero;
        int p = 0;
        // Runs all but the last 48 depth steps, then asks for the C tile so that its lines
        // (rows ldc apart, often conflicting in L1) arrive while the last steps compute.
        int kMain = Math.Max(0, kc - 48) & ~3;
        for (; p < kMain; p += 4)
        {
            {
                var b0 = Vector512.Load(b + 0);
                var b1 = Vector512.Load(b + 16);
                { var ar = Vector512.Create(a[0]); c0_0 = Vector512.FusedMultiplyAdd(ar, b0, c0_0); c0_1 = Vector512.FusedMultiplyAdd(ar, b1, c0_1); }
                { var ar = Vector512.Create(a[1]); c1_0 = Vector512.FusedMultiplyAdd(ar, b0, c1_0); c1_1 = Vector512.FusedMultiplyAdd(ar, b1, c1_1); }
                { var ar = Vector512.Create(a[2]); c2_0 = Vector512.FusedMultiplyAdd(ar, b0, c2_0); c2_1 = Vector512.FusedMultiplyAdd(ar, b1, c2_1); }
                { var ar = Vector512.Create(a[3]); c3_0 = Vector512.FusedMultiplyAdd(ar, b0, c3_0); c3_1 = Vector512.FusedMultiplyAdd(ar, b1, c3_1); }
                { var ar = Vector512.Create(a[4]); c4_0 = Vector512.FusedMultiplyAdd(ar, b0, c4_0); c4_1 = Vector512.FusedMultiplyAdd(ar, b1, c4_1); }
                { var ar = Vector512.Create(a[5]); c5_0 = Vector512.FusedMultiplyAdd(ar, b0, c5_0); c5_1 = Vector512.FusedMultiplyAdd(ar, b1, c5_1); }
                { var ar = Vector512.Create(a[6]); c6_0 = Vector512.FusedMultiplyAdd(ar, b0, c6_0); c6_1 = Vector512.FusedMultiplyAdd(ar, b1, c6_1); }
                { var ar = Vector512.Create(a[7]); c7_0 = Vector512.FusedMultiplyAdd(ar, b0, c7_0); c7_1 = Vector512.FusedMultiplyAdd(ar, b1, c7_1); }
                { var ar = Vector512.Create(a[8]); c8_0 = Vector512.FusedMultiplyAdd(ar, b0, c8_0); c8_1 = Vector512.FusedMultiplyAdd(ar, b1, c8_1); }
                { var ar = Vector512.Create(a[9]); c9_0 = Vector512.FusedMultiplyAdd(ar, b0, c9_0); c9_1 = Vector512.FusedMultiplyAdd(ar, b1, c9_1); }
                { var ar = Vector512.Create(a[10]); c10_0 = Vector512.FusedMultiplyAdd(ar, b0, c10_0); c10_1 = Vector512.FusedMultiplyAdd(ar, b1, c10_1); }
                { var ar = Vector512.Create(a[11]); c11_0 = Vector512.FusedMultiplyAdd(ar, b0, c11_0); c11_1 = Vector512.FusedMultiplyAdd(ar, b1, c11_1); }
            }
            {
                var b0 = Vector512.Load(b + 32);
                var b1 = Vector512.Load(b + 48);
                { var ar = Vector512.Create(a[12]); c0_0 = Vector512.FusedMultiplyAdd(ar, b0, c0_0); c0_1 = Vector512.FusedMultiplyAdd(ar, b1, c0_1); }
                { var ar = Vector512.Create(a[13]); c1_0 = Vector512.FusedMultiplyAdd(ar, b0, c1_0); c1_1 = Vector512.FusedMultiplyAdd(ar, b1, c1_1); }
                { var ar = Vector512.Create(a[14]); c2_0 = Vector512.FusedMultiplyAdd(ar, b0, c2_0); c2_1 = Vector512.FusedMultiplyAdd(ar, b1, c2_1); }
                { var ar = Vector512.Create(a[15]); c3_0 = Vector512.FusedMultiplyAdd(ar, b0, c3_0); c3_1 = Vector512.FusedMultiplyAdd(ar, b1, c3_1); }
                { var ar = Vector512.Create(a[16]); c4_0 = Vector512.FusedMultiplyAdd(ar, b0, c4_0); c4_1 = Vector512.FusedMultiplyAdd(ar, b1, c4_1); }
                { var ar = Vector512.Create(a[17]); c5_0 = Vector512.FusedMultiplyAdd(ar, b0, c5_0); c5_1 = Vector512.FusedMultiplyAdd(ar, b1, c5_1); }
                { var ar = Vector512.Create(a[18]); c6_0 = Vector512.FusedMultiplyAdd(ar, b0, c6_0); c6_1 = Vector512.FusedMultiplyAdd(ar, b1, c6_1); }
                { var ar = Vector512.Create(a[19]); c7_0 = Vector512.FusedMultiplyAdd(ar, b0, c7_0); c7_1 = Vector512.FusedMultiplyAdd(ar, b1, c7_1); }
                { var ar = Vector512.Create(a[20]); c8_0 = Vector512.FusedMultiplyAdd(ar, b0, c8_0); c8_1 = Vector512.FusedMultiplyAdd(ar, b1, c8_1); }
                { var ar = Vector512.Create(a[21]); c9_0 = Vector512.FusedMultiplyAdd(ar, b0, c9_0); c9_1 = Vector512.FusedMultiplyAdd(ar, b1, c9_1); }
                { var ar = Vector512.Create(a[22]); c10_0 = Vector512.FusedMultiplyAdd(ar, b0, c10_0); c10_1 = Vector512.FusedMultiplyAdd(ar, b1, c10_1); }
                { var ar = Vector512.Create(a[23]); c11_0 = Vector512.FusedMultiplyAdd(ar, b0, c11_0); c11_1 = Vector512.FusedMultiplyAdd(ar, b1, c11_1); }
            }
            {
                var b0 = Vector512.Load(b + 64);
                var b1 = Vector512.Load(b + 80);
                { var ar = Vector512.Create(a[24]); c0_0 = Vector512.FusedMultiplyAdd(ar, b0, c0_0); c0_1 = Vector512.FusedMultiplyAdd(ar, b1, c0_1); }
                { var ar = Vector512.Create(a[25]); c1_0 = Vector512.FusedMultiplyAdd(ar, b0, c1_0); c1_1 = Vector512.FusedMultiplyAdd(ar, b1, c1_1); }
                { var ar = Vector512.Create(a[26]); c2_0 = Vector512.FusedMultiplyAdd(ar, b0, c2_0); c2_1 = Vector512.FusedMultiplyAdd(ar, b1, c2_1); }
                { var ar = Vector512.Create(a[27]); c3_0 = Vector512.FusedMultiplyAdd(ar, b0, c3_0); c3_1 = Vector512.FusedMultiplyAdd(ar, b1, c3_1); }
                { var ar = Vector512.Create(a[28]); c4_0 = Vector512.FusedMultiplyAdd(ar, b0, c4_0); c4_1 = Vector512.FusedMultiplyAdd(ar, b1, c4_1); }
                { var ar = Vector512.Create(a[29]); c5_0 = Vector512.FusedMultiplyAdd(ar, b0, c5_0); c5_1 = Vector512.FusedMultiplyAdd(ar, b1, c5_1); }
                { var ar = Vector512.Create(a[30]); c6_0 = Vector512.FusedMultiplyAdd(ar, b0, c6_0); c6_1 = Vector512.FusedMultiplyAdd(ar, b1, c6_1); }
                { var ar = Vector512.Create(a[31]); c7_0 = Vector512.FusedMultiplyAdd(ar, b0, c7_0); c7_1 = Vector512.FusedMultiplyAdd(ar, b1, c7_1); }
                { var ar = Vector512.Create(a[32]); c8_0 = Vector512.FusedMultiplyAdd(ar, b0, c8_0); c8_1 = Vector512.FusedMultiplyAdd(ar, b1, c8_1); }
                { var ar = Vector512.Create(a[33]); c9_0 = Vector512.FusedMultiplyAdd(ar, b0, c9_0); c9_1 = Vector512.FusedMultiplyAdd(ar, b1, c9_1); }
                { var ar = Vector512.Create(a[34]); c10_0 = Vector512.FusedMultiplyAdd(ar, b0, c10_0); c10_1 = Vector512.FusedMultiplyAdd(ar, b1, c10_1); }
                { var ar = Vector512.Create(a[35]); c11_0 = Vector512.FusedMultiplyAdd(ar, b0, c11_0); c11_1 = Vector512.FusedMultiplyAdd(ar, b1, c11_1); }
            }
            {
                var b0 = Vector512.Load(b + 96);
                var b1 = Vector512.Load(b + 112);
                { var ar = Vector512.Create(a[36]); c0_0 = Vector512.FusedMultiplyAdd(ar, b0, c0_0); c0_1 = Vector512.FusedMultiplyAdd(ar, b1, c0_1); }
                { var ar = Vector512.Create(a[37]); c1_0 = Vector512.FusedMultiplyAdd(ar, b0, c1_0); c1_1 = Vector512.FusedMultiplyAdd(ar, b1, c1_1); }
                { var ar = Vector512.Create(a[38]); c2_0 = Vector512.FusedMultiplyAdd(ar, b0, c2_0); c2_1 = Vector512.FusedMultiplyAdd(ar, b1, c2_1); }
                { var ar = Vector512.Create(a[39]); c3_0 = Vector512.FusedMultiplyAdd(ar, b0, c3_0); c3_1 = Vector512.FusedMultiplyAdd(ar, b1, c3_1); }
                { var ar = Vector512.Create(a[40]); c4_0 = Vector512.FusedMultiplyAdd(ar, b0, c4_0); c4_1 = Vector512.FusedMultiplyAdd(ar, b1, c4_1); }
                { var ar = Vector512.Create(a[41]); c5_0 = Vector512.FusedMultiplyAdd(ar, b0, c5_0); c5_1 = Vector512.FusedMultiplyAdd(ar, b1, c5_1); }
                { var ar = Vector512.Create(a[42]); c6_0 = Vector512.FusedMultiplyAdd(ar, b0, c6_0); c6_1 = Vector512.FusedMultiplyAdd(ar, b1, c6_1); }
                { var ar = Vector512.Create(a[43]); c7_0 = Vector512.FusedMultiplyAdd(ar, b0, c7_0); c7_1 = Vector512.FusedMultiplyAdd(ar, b1, c7_1); }
                { var ar = Vector512.Create(a[44]); c8_0 = Vector512.FusedMultiplyAdd(ar, b0, c8_0); c8_1 = Vector512.FusedMultiplyAdd(ar, b1, c8_1); }
                { var ar = Vector512.Create(a[45]); c9_0 = Vector512.FusedMultiplyAdd(ar, b0, c9_0); c9_1 = Vector512.FusedMultiplyAdd(ar, b1, c9_1); }
                { var ar = Vector512.Create(a[46]); c10_0 = Vector512.FusedMultiplyAdd(ar, b0, c10_0); c10_1 = Vector512.FusedMultiplyAdd(ar, b1, c10_1); }
                { var ar = Vector512.Create(a[47]); c11_0 = Vector512.FusedMultiplyAdd(ar, b0, c11_0); c11_1 = Vector512.FusedMultiplyAdd(ar, b1, c11_1); }
            }
            a += 48;
            b += 128;
        }
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(c + 0 * (nint)ldc + 0); Sse.Prefetch0(c + 0 * (nint)ldc + 16);
            Sse.Prefetch0(c + 1 * (nint)ldc + 0); Sse.Prefetch0(c + 1 * (nint)ldc + 16);
            Sse.Prefetch0(c + 2 * (nint)ldc + 0); Sse.Prefetch0(c + 2 * (nint)ldc + 16);
            Sse.Prefetch0(c + 3 * (nint)ldc + 0); Sse.Prefetch0(c + 3 * (nint)ldc + 16);
            Sse.Prefetch0(c + 4 * (nint)ldc + 0); Sse.Prefetch0(c + 4 * (nint)ldc + 16);
            Sse.Prefetch0(c + 5 * (nint)ldc + 0); Sse.Prefetch0(c + 5 * (nint)ldc + 16);
            Sse.Prefetch0(c + 6 * (nint)ldc + 0); Sse.Prefetch0(c + 6 * (nint)ldc + 16);
            Sse.Prefetch0(c + 7 * (nint)ldc + 0); Sse.Prefetch0(c + 7 * (nint)ldc + 16);
            Sse.Prefetch0(c + 8 * (nint)ldc + 0); Sse.Prefetch0(c + 8 * (nint)ldc + 16);
            Sse.Prefetch0(c + 9 * (nint)ldc + 0); Sse.Prefetch0(c + 9 * (nint)ldc + 16);
            Sse.Prefetch0(c + 10 * (nint)ldc + 0); Sse.Prefetch0(c + 10 * (nint)ldc + 16);
            Sse.Prefetch0(c + 11 * (nint)ldc + 0); Sse.Prefetch0(c + 11 * (nint)ldc + 16);
        }
        for (; p + 4 <= kc; p += 4)
        {
            {
                var b0 = Vector512.Load(b + 0);
                var b1 = Vector512.Load(b + 16);
                { var ar = Vector512.Create(a[0]); c0_0 = Vector512.FusedMultiplyAdd(ar, b0, c0_0); c0_1 = Vector512.FusedMultiplyAdd(ar, b1, c0_1); }
                { var ar = Vector512.Create(a[1]); c1_0 = Vector512.FusedMultiplyAdd(ar, b0, c1_0); c1_1 = Vector512.FusedMultiplyAdd(ar, b1, c1_1); }
                { var ar = Vector512.Create(a[2]); c2_0 = Vector512.FusedMultiplyAdd(ar, b0, c2_0); c2_1 = Vector512.FusedMultiplyAdd(ar, b1, c2_1); }
                { var ar = Vector512.Create(a[3]); c3_0 = Vector512.FusedMultiplyAdd(ar, b0, c3_0); c3_1 = Vector512.FusedMultiplyAdd(ar, b1, c3_1); }
                { var ar = Vector512.Create(a[4]); c4_0 = Vector512.FusedMultiplyAdd(ar, b0, c4_0); c4_1 = Vector512.FusedMultiplyAdd(ar, b1, c4_1); }
                { var ar = Vector512.Create(a[5]); c5_0 = Vector512.FusedMultiplyAdd(ar, b0, c5_0); c5_1 = Vector512.FusedMultiplyAdd(ar, b1, c5_1); }
                { var ar = Vector512.Create(a[6]); c6_0 = Vector512.FusedMultiplyAdd(ar, b0, c6_0); c6_1 = Vector512.FusedMultiplyAdd(ar, b1, c6_1); }
                { var ar = Vector512.Create(a[7]); c7_0 = Vector512.FusedMultiplyAdd(ar, b0, c7_0); c7_1 = Vector512.FusedMultiplyAdd(ar, b1, c7_1); }
                { var ar = Vector512.Create(a[8]); c8_0 = Vector512.FusedMultiplyAdd(ar, b0, c8_0); c8_1 = Vector512.FusedMultiplyAdd(ar, b1, c8_1); }
                { var ar = Vector512.Create(a[9]); c9_0 = Vector512.FusedMultiplyAdd(ar, b0, c9_0); c9_1 = Vector512.FusedMultiplyAdd(ar, b1, c9_1); }
                { var ar = Vector512.Create(a[10]); c10_0 = Vector512.FusedMultiplyAdd(ar, b0, c10_0); c10_1 = Vector512.FusedMultiplyAdd(ar, b1, c10_1); }
                { var ar = Vector512.Create(a[11]); c11_0 = Vector512.FusedMultiplyAdd(ar, b0, c11_0); c11_1 = Vector512.FusedMultiplyAdd(ar, b1, c11_1); }
            }
            {
                var b0 = Vector512.Load(b + 32);
                var b1 = Vector512.Load(b + 48);
                { var ar = Vector512.Create(a[12]); c0_0 = Vector512.FusedMultiplyAdd(ar, b0, c0_0); c0_1 = Vector512.FusedMultiplyAdd(ar, b1, c0_1); }
                { var ar = Vector512.Create(a[13]); c1_0 = Vector512.FusedMultiplyAdd(ar, b0, c1_0); c1_1 = Vector512.FusedMultiplyAdd(ar, b1, c1_1); }
                { var ar = Vector512.Create(a[14]); c2_0 = Vector512.FusedMultiplyAdd(ar, b0, c2_0); c2_1 = Vector512.FusedMultiplyAdd(ar, b1, c2_1); }
                { var ar = Vector512.Create(a[15]); c3_0 = Vector512.FusedMultiplyAdd(ar, b0, c3_0); c3_1 = Vector512.FusedMultiplyAdd(ar, b1, c3_1); }
                { var ar = Vector512.Create(a[16]); c4_0 = Vector512.FusedMultiplyAdd(ar, b0, c4_0); c4_1 = Vector512.FusedMultiplyAdd(ar, b1, c4_1); }
                { var ar = Vector512.Create(a[17]); c5_0 = Vector512.FusedMultiplyAdd(ar, b0, c5_0); c5_1 = Vector512.FusedMultiplyAdd(ar, b1, c5_1); }
                { var ar = Vector512.Create(a[18]); c6_0 = Vector512.FusedMultiplyAdd(ar, b0, c6_0); c6_1 = Vector512.FusedMultiplyAdd(ar, b1, c6_1); }
                { var ar = Vector512.Create(a[19]); c7_0 = Vector512.FusedMultiplyAdd(ar, b0, c7_0); c7_1 = Vector512.FusedMultiplyAdd(ar, b1, c7_1); }
                { var ar = Vector512.Create(a[20]); c8_0 = Vector512.FusedMultiplyAdd(ar, b0, c8_0); c8_1 = Vector512.FusedMultiplyAdd(ar, b1, c8_1); }
                { var ar = Vector512.Create(a[21]); c9_0 = Vector512.FusedMultiplyAdd(ar, b0, c9_0); c9_1 = Vector512.FusedMultiplyAdd(ar, b1, c9_1); }
                { var ar = Vector512.Create(a[22]); c10_0 = Vector512.FusedMultiplyAdd(ar, b0, c10_0); c10_1 = Vector512.FusedMultiplyAdd(ar, b1, c10_1); }
                { var ar = Vector512.Create(a[23]); c11_0 = Vector512.FusedMultiplyAdd(ar, b0, c11_0); c11_1 = Vector512.FusedMultiplyAdd(ar, b1, c11_1); }
            }
            {
                var b0 = Vector512.Load(b + 64);
                var b1 = Vector512.Load(b + 80);
                { var ar = Vector512.Create(a[24]); c0_0 = Vector512.FusedMultiplyAdd(ar, b0, c0_0); c0_1 = Vector512.FusedMultiplyAdd(ar, b1, c0_1); }
                { var ar = Vector512.Create(a[25]); c1_0 = Vector512.FusedMultiplyAdd(ar, b0, c1_0); c1_1 = Vector512.FusedMultiplyAdd(ar, b1, c1_1); }
                { var ar = Vector512.Create(a[26]); c2_0 = Vector512.FusedMultiplyAdd(ar, b0, c2_0); c2_1 = Vector512.FusedMultiplyAdd(ar, b1, c2_1); }
                { var ar = Vector512.Create(a[27]); c3_0 = Vector512.FusedMultiplyAdd(ar, b0, c3_0); c3_1 = Vector512.FusedMultiplyAdd(ar, b1, c3_1); }
                { var ar = Vector512.Create(a[28]); c4_0 = Vector512.FusedMultiplyAdd(ar, b0, c4_0); c4_1 = Vector512.FusedMultiplyAdd(ar, b1, c4_1); }
                { var ar = Vector512.Create(a[29]); c5_0 = Vector512.FusedMultiplyAdd(ar, b0, c5_0); c5_1 = Vector512.FusedMultiplyAdd(ar, b1, c5_1); }
                { var ar = Vector512.Create(a[30]); c6_0 = Vector512.FusedMultiplyAdd(ar, b0, c6_0); c6_1 = Vector512.FusedMultiplyAdd(ar, b1, c6_1); }
                { var ar = Vector512.Create(a[31]); c7_0 = Vector512.FusedMultiplyAdd(ar, b0, c7_0); c7_1 = Vector512.FusedMultiplyAdd(ar, b1, c7_1); }
                { var ar = Vector512.Create(a[32]); c8_0 = Vector512.FusedMultiplyAdd(ar, b0, c8_0); c8_1 = Vector512.FusedMultiplyAdd(ar, b1, c8_1); }
                { var ar = Vector512.Create(a[33]); c9_0 = Vector512.FusedMultiplyAdd(ar, b0, c9_0); c9_1 = Vector512.FusedMultiplyAdd(ar, b1, c9_1); }
                { var ar = Vector512.Create(a[34]); c10_0 = Vector512.FusedMultiplyAdd(ar, b0, c10_0); c10_1 = Vector512.FusedMultiplyAdd(ar, b1, c10_1); }
                { var ar = Vector512.Create(a[35]); c11_0 = Vector512.FusedMultiplyAdd(ar, b0, c11_0); c11_1 = Vector512.FusedMultiplyAdd(ar, b1, c11_1); }
            }
            {
                var b0 = Vector512.Load(b + 96);
                var b1 = Vector512.Load(b + 112);
                { var ar = Vector512.Create(a[36]); c0_0 = Vector512.FusedMultiplyAdd(ar, b0, c0_0); c0_1 = Vector512.FusedMultiplyAdd(ar, b1, c0_1); }
                { var ar = Vector512.Create(a[37]); c1_0 = Vector512.FusedMultiplyAdd(ar, b0, c1_0); c1_1 = Vector512.FusedMultiplyAdd(ar, b1, c1_1); }
                { var ar = Vector512.Create(a[38]); c2_0 = Vector512.FusedMultiplyAdd(ar, b0, c2_0); c2_1 = Vector512.FusedMultiplyAdd(ar, b1, c2_1); }
                { var ar = Vector512.Create(a[39]); c3_0 = Vector512.FusedMultiplyAdd(ar, b0, c3_0); c3_1 = Vector512.FusedMultiplyAdd(ar, b1, c3_1); }
                { var ar = Vector512.Create(a[40]); c4_0 = Vector512.FusedMultiplyAdd(ar, b0, c4_0); c4_1 = Vector512.FusedMultiplyAdd(ar, b1, c4_1); }
                { var ar = Vector512.Create(a[41]); c5_0 = Vector512.FusedMultiplyAdd(ar, b0, c5_0); c5_1 = Vector512.FusedMultiplyAdd(ar, b1, c5_1); }
                { var ar = Vector512.Create(a[42]); c6_0 = Vector512.FusedMultiplyAdd(ar, b0, c6_0); c6_1 = Vector512.FusedMultiplyAdd(ar, b1, c6_1); }
                { var ar = Vector512.Create(a[43]); c7_0 = Vector512.FusedMultiplyAdd(ar, b0, c7_0); c7_1 = Vector512.FusedMultiplyAdd(ar, b1, c7_1); }
                { var ar = Vector512.Create(a[44]); c8_0 = Vector512.FusedMultiplyAdd(ar, b0, c8_0); c8_1 = Vector512.FusedMultiplyAdd(ar, b1, c8_1); }
                { var ar = Vector512.Create(a[45]); c9_0 = Vector512.FusedMultiplyAdd(ar, b0, c9_0); c9_1 = Vector512.FusedMultiplyAdd(ar, b1, c9_1); }
                { var ar = Vector512.Create(a[46]); c10_0 = Vector512.FusedMultiplyAdd(ar, b0, c10_0); c10_1 = Vector512.FusedMultiplyAdd(ar, b1, c10_1); }
                { var ar = Vector512.Create(a[47]); c11_0 = Vector512.FusedMultiplyAdd(ar, b0, c11_0); c11_1 = Vector512.FusedMultiplyAdd(ar, b1, c11_1); }
            }
            a += 48;
            b += 128;
        }
        for (; p < kc; p++)
        {
            var b0 = Vector512.Load(b + 0);
            var b1 = Vector512.Load(b + 16);
            { var ar = Vector512.Create(a[0]); c0_0 = Vector512.FusedMultiplyAdd(ar, b0, c0_0); c0_1 = Vector512.FusedMultiplyAdd(ar, b1, c0_1); }
            { var ar = Vector512.Create(a[1]); c1_0 = Vector512.FusedMultiplyAdd(ar, b0, c1_0); c1_1 = Vector512.FusedMultiplyAdd(ar, b1, c1_1); }
            { var ar = Vector512.Create(a[2]); c2_0 = Vector512.FusedMultiplyAdd(ar, b0, c2_0); c2_1 = Vector512.FusedMultiplyAdd(ar, b1, c2_1); }
            { var ar = Vector512.Create(a[3]); c3_0 = Vector512.FusedMultiplyAdd(ar, b0, c3_0); c3_1 = Vector512.FusedMultiplyAdd(ar, b1, c3_1); }
            { var ar = Vector512.Create(a[4]); c4_0 = Vector512.FusedMultiplyAdd(ar, b0, c4_0); c4_1 = Vector512.FusedMultiplyAdd(ar, b1, c4_1); }
            { var ar = Vector512.Create(a[5]); c5_0 = Vector512.FusedMultiplyAdd(ar, b0, c5_0); c5_1 = Vector512.FusedMultiplyAdd(ar, b1, c5_1); }
            { var ar = Vector512.Create(a[6]); c6_0 = Vector512.FusedMultiplyAdd(ar, b0, c6_0); c6_1 = Vector512.FusedMultiplyAdd(ar, b1, c6_1); }
            { var ar = Vector512.Create(a[7]); c7_0 = Vector512.FusedMultiplyAdd(ar, b0, c7_0); c7_1 = Vector512.FusedMultiplyAdd(ar, b1, c7_1); }
            { var ar = Vector512.Create(a[8]); c8_0 = Vector512.FusedMultiplyAdd(ar, b0, c8_0); c8_1 = Vector512.FusedMultiplyAdd(ar, b1, c8_1); }
            { var ar = Vector512.Create(a[9]); c9_0 = Vector512.FusedMultiplyAdd(ar, b0, c9_0); c9_1 = Vector512.FusedMultiplyAdd(ar, b1, c9_1); }
            { var ar = Vector512.Create(a[10]); c10_0 = Vector512.FusedMultiplyAdd(ar, b0, c10_0); c10_1 = Vector512.FusedMultiplyAdd(ar, b1, c10_1); }
            { var ar = Vector512.Create(a[11]); c11_0 = Vector512.FusedMultiplyAdd(ar, b0, c11_0); c11_1 = Vector512.FusedMultiplyAdd(ar, b1, c11_1); }
            a += 12;
            b += 32;
        }
        var va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            Vector512.Store(c0_0 * va, c + 0 * (nint)ldc + 0); Vector512.Store(c0_1 * va, c + 0 * (nint)ldc + 16);
            Vector512.Store(c1_0 * va, c + 1 * (nint)ldc + 0); Vector512.Store(c1_1 * va, c + 1 * (nint)ldc + 16);
            Vector512.Store(c2_0 * va, c + 2 * (nint)ldc + 0); Vector512.Store(c2_1 * va, c + 2 * (nint)ldc + 16);
            Vector512.Store(c3_0 * va, c + 3 * (nint)ldc + 0); Vector512.Store(c3_1 * va, c + 3 * (nint)ldc + 16);
            Vector512.Store(c4_0 * va, c + 4 * (nint)ldc + 0); Vector512.Store(c4_1 * va, c + 4 * (nint)ldc + 16);
            Vector512.Store(c5_0 * va, c + 5 * (nint)ldc + 0); Vector512.Store(c5_1 * va, c + 5 * (nint)ldc + 16);
            Vector512.Store(c6_0 * va, c + 6 * (nint)ldc + 0); Vector512.Store(c6_1 * va, c + 6 * (nint)ldc + 16);
            Vector512.Store(c7_0 * va, c + 7 * (nint)ldc + 0); Vector512.Store(c7_1 * va, c + 7 * (nint)ldc + 16);
            Vector512.Store(c8_0 * va, c + 8 * (nint)ldc + 0); Vector512.Store(c8_1 * va, c + 8 * (nint)ldc + 16);
            Vector512.Store(c9_0 * va, c + 9 * (nint)ldc + 0); Vector512.Store(c9_1 * va, c + 9 * (nint)ldc + 16);
            Vector512.Store(c10_0 * va, c + 10 * (nint)ldc + 0); Vector512.Store(c10_1 * va, c + 10 * (nint)ldc + 16);
            Vector512.Store(c11_0 * va, c + 11 * (nint)ldc + 0); Vector512.Store(c11_1 * va, c + 11 * (nint)ldc + 16);
        }
        else
        {
            var vb = Vector512.Create(beta);
            { float* cr = c + 0 * (nint)ldc; Vector512.Store(Vector512.FusedMultiplyAdd(c0_0, va, Vector512.Load(cr + 0) * vb), cr + 0); Vector512.Store(Vector512.FusedMultiplyAdd(c0_1, va, Vector512.Load(cr + 16) * vb), cr + 16); }
            { float* cr = c + 1 * (nint)ldc; Vector512.Store(Vector512.FusedMultiplyAdd(c1_0, va, Vector512.Load(cr + 0) * vb), cr + 0); Vector512.Store(Vector512.FusedMultiplyAdd(c1_1, va, Vector512.Load(cr + 16) * vb), cr + 16); }
            { float* cr = c + 2 * (nint)ldc; Vector512.Store(Vector512.FusedMultiplyAdd(c2_0, va, Vector512.Load(cr + 0) * vb), cr + 0); Vector512.Store(Vector512.FusedMultiplyAdd(c2_1, va, Vector512.Load(cr + 16) * vb), cr + 16); }
            { float* cr = c + 3 * (nint)ldc; Vector512.Store(Vector512.FusedMultiplyAdd(c3_0, va, Vector512.Load(cr + 0) * vb), cr + 0); Vector512.Store(Vector512.FusedMultiplyAdd(c3_1, va, Vector512.Load(cr + 16) * vb), cr + 16); }
            { float* cr = c + 4 * (nint)ldc; Vector512.Store(Vector512.FusedMultiplyAdd(c4_0, va, Vector512.Load(cr + 0) * vb), cr + 0); Vector512.Store(Vector512.FusedMultiplyAdd(c4_1, va, Vector512.Load(cr + 16) * vb), cr + 16); }
            { float* cr = c + 5 * (nint)ldc; Vector512.Store(Vector512.FusedMultiplyAdd(c5_0, va, Vector512.Load(cr + 0) * vb), cr + 0); Vector512.Store(Vector512.FusedMultiplyAdd(c5_1, va, Vector512.Load(cr + 16) * vb), cr + 16); }
            { float* cr = c + 6 * (nint)ldc; Vector512.Store(Vector512.FusedMultiplyAdd(c6_0, va, Vector512.Load(cr + 0) * vb), cr + 0); Vector512.Store(Vector512.FusedMultiplyAdd(c6_1, va, Vector512.Load(cr + 16) * vb), cr + 16); }
            { float* cr = c + 7 * (nint)ldc; Vector512.Store(Vector512.FusedMultiplyAdd(c7_0, va, Vector512.Load(cr + 0) * vb), cr + 0); Vector512.Store(Vector512.FusedMultiplyAdd(c7_1, va, Vector512.Load(cr + 16) * vb), cr + 16); }
            { float* cr = c + 8 * (nint)ldc; Vector512.Store(Vector512.FusedMultiplyAdd(c8_0, va, Vector512.Load(cr + 0) * vb), cr + 0); Vector512.Store(Vector512.FusedMultiplyAdd(c8_1, va, Vector512.Load(cr + 16) * vb), cr + 16); }
            { float* cr = c + 9 * (nint)ldc; Vector512.Store(Vector512.FusedMultiplyAdd(c9_0, va, Vector512.Load(cr + 0) * vb), cr + 0); Vector512.Store(Vector512.FusedMultiplyAdd(c9_1, va, Vector512.Load(cr + 16) * vb), cr + 16); }
            { float* cr = c + 10 * (nint)ldc; Vector512.Store(Vector512.FusedMultiplyAdd(c10_0, va, Vector512.Load(cr + 0) * vb), cr + 0); Vector512.Store(Vector512.FusedMultiplyAdd(c10_1, va, Vector512.Load(cr + 16) * vb), cr + 16); }
            { float* cr = c + 11 * (nint)ldc; Vector512.Store(Vector512.FusedMultiplyAdd(c11_0, va, Vector512.Load(cr + 0) * vb), cr + 0); Vector512.Store(Vector512.FusedMultiplyAdd(c11_1, va, Vector512.Load(cr + 16) * vb), cr + 16); }
        }
    }

    /// <summary>
    /// C[0..6, 0..16] = alpha * (A panel (6 x kc, k-major) * B panel (kc x 16, k-major)) + beta * C;
    /// beta == 0 never reads C. 12 accumulators stay in registers for the whole K loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        var c0_0 = Vector256<float>.Zero; var c0_1 = Vector256<float>.Zero;
        var c1_0 = Vector256<float>.Zero; var c1_1 = Vector256<float>.Zero;
        var c2_0 = Vector256<float>.Zero; var c2_1 = Vector256<float>.Zero;
        var c3_0 = Vector256<float>.Zero; var c3_1 = Vector256<float>.Zero;
        var c4_0 = Vector256<float>.Zero; var c4_1 = Vector256<float>.Zero;
        var c5_0 = Vector256<float>.Zero; var c5_1 = Vector256<float>.Zero;
        int p = 0;
        // Runs all but the last 48 depth steps, then asks for the C tile so that its lines
        // (rows ldc apart, often conflicting in L1) arrive while the last steps compute.
        int kMain = Math.Max(0, kc - 48) & ~3;
        for (; p < kMain; p += 4)
        {
            {
                var b0 = Vector256.Load(b + 0);
                var b1 = Vector256.Load(b + 8);
                { var ar = Vector256.Create(a[0]); c0_0 = Vector256.FusedMultiplyAdd(ar, b0, c0_0); c0_1 = Vector256.FusedMultiplyAdd(ar, b1, c0_1); }
                { var ar = Vector256.Create(a[1]); c1_0 = Vector256.FusedMultiplyAdd(ar, b0, c1_0); c1_1 = Vector256.FusedMultiplyAdd(ar, b1, c1_1); }
                { var ar = Vector256.Create(a[2]); c2_0 = Vector256.FusedMultiplyAdd(ar, b0, c2_0); c2_1 = Vector256.FusedMultiplyAdd(ar, b1, c2_1); }
                { var ar = Vector256.Create(a[3]); c3_0 = Vector256.FusedMultiplyAdd(ar, b0, c3_0); c3_1 = Vector256.FusedMultiplyAdd(ar, b1, c3_1); }
                { var ar = Vector256.Create(a[4]); c4_0 = Vector256.FusedMultiplyAdd(ar, b0, c4_0); c4_1 = Vector256.FusedMultiplyAdd(ar, b1, c4_1); }
                { var ar = Vector256.Create(a[5]); c5_0 = Vector256.FusedMultiplyAdd(ar, b0, c5_0); c5_1 = Vector256.FusedMultiplyAdd(ar, b1, c5_1); }
            }
            {
                var b0 = Vector256.Load(b + 16);
                var b1 = Vector256.Load(b + 24);
                { var ar = Vector256.Create(a[6]); c0_0 = Vector256.FusedMultiplyAdd(ar, b0, c0_0); c0_1 = Vector256.FusedMultiplyAdd(ar, b1, c0_1); }
                { var ar = Vector256.Create(a[7]); c1_0 = Vector256.FusedMultiplyAdd(ar, b0, c1_0); c1_1 = Vector256.FusedMultiplyAdd(ar, b1, c1_1); }
                { var ar = Vector256.Create(a[8]); c2_0 = Vector256.FusedMultiplyAdd(ar, b0, c2_0); c2_1 = Vector256.FusedMultiplyAdd(ar, b1, c2_1); }
                { var ar = Vector256.Create(a[9]); c3_0 = Vector256.FusedMultiplyAdd(ar, b0, c3_0); c3_1 = Vector256.FusedMultiplyAdd(ar, b1, c3_1); }
                { var ar = Vector256.Create(a[10]); c4_0 = Vector256.FusedMultiplyAdd(ar, b0, c4_0); c4_1 = Vector256.FusedMultiplyAdd(ar, b1, c4_1); }
                { var ar = Vector256.Create(a[11]); c5_0 = Vector256.FusedMultiplyAdd(ar, b0, c5_0); c5_1 = Vector256.FusedMultiplyAdd(ar, b1, c5_1); }
            }
            {
                var b0 = Vector256.Load(b + 32);
                var b1 = Vector256.Load(b + 40);
                { var ar = Vector256.Create(a[12]); c0_0 = Vector256.FusedMultiplyAdd(ar, b0, c0_0); c0_1 = Vector256.FusedMultiplyAdd(ar, b1, c0_1); }
                { var ar = Vector256.Create(a[13]); c1_0 = Vector256.FusedMultiplyAdd(ar, b0, c1_0); c1_1 = Vector256.FusedMultiplyAdd(ar, b1, c1_1); }
                { var ar = Vector256.Create(a[14]); c2_0 = Vector256.FusedMultiplyAdd(ar, b0, c2_0); c2_1 = Vector256.FusedMultiplyAdd(ar, b1, c2_1); }
                { var ar = Vector256.Create(a[15]); c3_0 = Vector256.FusedMultiplyAdd(ar, b0, c3_0); c3_1 = Vector256.FusedMultiplyAdd(ar, b1, c3_1); }
                { var ar = Vector256.Create(a[16]); c4_0 = Vector256.FusedMultiplyAdd(ar, b0, c4_0); c4_1 = Vector256.FusedMultiplyAdd(ar, b1, c4_1); }
                { var ar = Vector256.Create(a[17]); c5_0 = Vector256.FusedMultiplyAdd(ar, b0, c5_0); c5_1 = Vector256.FusedMultiplyAdd(ar, b1, c5_1); }
            }
            {
                var b0 = Vector256.Load(b + 48);
                var b1 = Vector256.Load(b + 56);
                { var ar = Vector256.Create(a[18]); c0_0 = Vector256.FusedMultiplyAdd(ar, b0, c0_0); c0_1 = Vector256.FusedMultiplyAdd(ar, b1, c0_1); }
                { var ar = Vector256.Create(a[19]); c1_0 = Vector256.FusedMultiplyAdd(ar, b0, c1_0); c1_1 = Vector256.FusedMultiplyAdd(ar, b1, c1_1); }
                { var ar = Vector256.Create(a[20]); c2_0 = Vector256.FusedMultiplyAdd(ar, b0, c2_0); c2_1 = Vector256.FusedMultiplyAdd(ar, b1, c2_1); }
                { var ar = Vector256.Create(a[21]); c3_0 = Vector256.FusedMultiplyAdd(ar, b0, c3_0); c3_1 = Vector256.FusedMultiplyAdd(ar, b1, c3_1); }
                { var ar = Vector256.Create(a[22]); c4_0 = Vector256.FusedMultiplyAdd(ar, b0, c4_0); c4_1 = Vector256.FusedMultiplyAdd(ar, b1, c4_1); }
                { var ar = Vector256.Create(a[23]); c5_0 = Vector256.FusedMultiplyAdd(ar, b0, c5_0); c5_1 = Vector256.FusedMultiplyAdd(ar, b1, c5_1); }
            }
            a += 24;
            b += 64;
        }
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(c + 0 * (nint)ldc + 0);
            Sse.Prefetch0(c + 1 * (nint)ldc + 0);
            Sse.Prefetch0(c + 2 * (nint)ldc + 0);
            Sse.Prefetch0(c + 3 * (nint)ldc + 0);
            Sse.Prefetch0(c + 4 * (nint)ldc + 0);
            Sse.Prefetch0(c + 5 * (nint)ldc + 0);
        }
        for (; p + 4 <= kc; p += 4)
        {
            {
                var b0 = Vector256.Load(b + 0);
                var b1 = Vector256.Load(b + 8);
                { var ar = Vector256.Create(a[0]); c0_0 = Vector256.FusedMultiplyAdd(ar, b0, c0_0); c0_1 = Vector256.FusedMultiplyAdd(ar, b1, c0_1); }
                { var ar = Vector256.Create(a[1]); c1_0 = Vector256.FusedMultiplyAdd(ar, b0, c1_0); c1_1 = Vector256.FusedMultiplyAdd(ar, b1, c1_1); }
                { var ar = Vector256.Create(a[2]); c2_0 = Vector256.FusedMultiplyAdd(ar, b0, c2_0); c2_1 = Vector256.FusedMultiplyAdd(ar, b1, c2_1); }
                { var ar = Vector256.Create(a[3]); c3_0 = Vector256.FusedMultiplyAdd(ar, b0, c3_0); c3_1 = Vector256.FusedMultiplyAdd(ar, b1, c3_1); }
                { var ar = Vector256.Create(a[4]); c4_0 = Vector256.FusedMultiplyAdd(ar, b0, c4_0); c4_1 = Vector256.FusedMultiplyAdd(ar, b1, c4_1); }
                { var ar = Vector256.Create(a[5]); c5_0 = Vector256.FusedMultiplyAdd(ar, b0, c5_0); c5_1 = Vector256.FusedMultiplyAdd(ar, b1, c5_1); }
            }
            {
                var b0 = Vector256.Load(b + 16);
                var b1 = Vector256.Load(b + 24);
                { var ar = Vector256.Create(a[6]); c0_0 = Vector256.FusedMultiplyAdd(ar, b0, c0_0); c0_1 = Vector256.FusedMultiplyAdd(ar, b1, c0_1); }
                { var ar = Vector256.Create(a[7]); c1_0 = Vector256.FusedMultiplyAdd(ar, b0, c1_0); c1_1 = Vector256.FusedMultiplyAdd(ar, b1, c1_1); }
                { var ar = Vector256.Create(a[8]); c2_0 = Vector256.FusedMultiplyAdd(ar, b0, c2_0); c2_1 = Vector256.FusedMultiplyAdd(ar, b1, c2_1); }
                { var ar = Vector256.Create(a[9]); c3_0 = Vector256.FusedMultiplyAdd(ar, b0, c3_0); c3_1 = Vector256.FusedMultiplyAdd(ar, b1, c3_1); }
                { var ar = Vector256.Create(a[10]); c4_0 = Vector256.FusedMultiplyAdd(ar, b0, c4_0); c4_1 = Vector256.FusedMultiplyAdd(ar, b1, c4_1); }
                { var ar = Vector256.Create(a[11]); c5_0 = Vector256.FusedMultiplyAdd(ar, b0, c5_0); c5_1 = Vector256.FusedMultiplyAdd(ar, b1, c5_1); }
            }
            {
                var b0 = Vector256.Load(b + 32);
                var b1 = Vector256.Load(b + 40);
                { var ar = Vector256.Create(a[12]); c0_0 = Vector256.FusedMultiplyAdd(ar, b0, c0_0); c0_1 = Vector256.FusedMultiplyAdd(ar, b1, c0_1); }
                { var ar = Vector256.Create(a[13]); c1_0 = Vector256.FusedMultiplyAdd(ar, b0, c1_0); c1_1 = Vector256.FusedMultiplyAdd(ar, b1, c1_1); }
                { var ar = Vector256.Create(a[14]); c2_0 = Vector256.FusedMultiplyAdd(ar, b0, c2_0); c2_1 = Vector256.FusedMultiplyAdd(ar, b1, c2_1); }
                { var ar = Vector256.Create(a[15]); c3_0 = Vector256.FusedMultiplyAdd(ar, b0, c3_0); c3_1 = Vector256.FusedMultiplyAdd(ar, b1, c3_1); }
                { var ar = Vector256.Create(a[16]); c4_0 = Vector256.FusedMultiplyAdd(ar, b0, c4_0); c4_1 = Vector256.FusedMultiplyAdd(ar, b1, c4_1); }
                { var ar = Vector256.Create(a[17]); c5_0 = Vector256.FusedMultiplyAdd(ar, b0, c5_0); c5_1 = Vector256.FusedMultiplyAdd(ar, b1, c5_1); }
            }
            {
                var b0 = Vector256.Load(b + 48);
                var b1 = Vector256.Load(b + 56);
                { var ar = Vector256.Create(a[18]); c0_0 = Vector256.FusedMultiplyAdd(ar, b0, c0_0); c0_1 = Vector256.FusedMultiplyAdd(ar, b1, c0_1); }
                { var ar = Vector256.Create(a[19]); c1_0 = Vector256.FusedMultiplyAdd(ar, b0, c1_0); c1_1 = Vector256.FusedMultiplyAdd(ar, b1, c1_1); }
                { var ar = Vector256.Create(a[20]); c2_0 = Vector256.FusedMultiplyAdd(ar, b0, c2_0); c2_1 = Vector256.FusedMultiplyAdd(ar, b1, c2_1); }
                { var ar = Vector256.Create(a[21]); c3_0 = Vector256.FusedMultiplyAdd(ar, b0, c3_0); c3_1 = Vector256.FusedMultiplyAdd(ar, b1, c3_1); }
                { var ar = Vector256.Create(a[22]); c4_0 = Vector256.FusedMultiplyAdd(ar, b0, c4_0); c4_1 = Vector256.FusedMultiplyAdd(ar, b1, c4_1); }
                { var ar = Vector256.Create(a[23]); c5_0 = Vector256.FusedMultiplyAdd(ar, b0, c5_0); c5_1 = Vector256.FusedMultiplyAdd(ar, b1, c5_1); }
            }
            a += 24;
            b += 64;
        }
        for (; p < kc; p++)
        {
            var b0 = Vector256.Load(b + 0);
            var b1 = Vector256.Load(b + 8);
            { var ar = Vector256.Create(a[0]); c0_0 = Vector256.FusedMultiplyAdd(ar, b0, c0_0); c0_1 = Vector256.FusedMultiplyAdd(ar, b1, c0_1); }
            { var ar = Vector256.Create(a[1]); c1_0 = Vector256.FusedMultiplyAdd(ar, b0, c1_0); c1_1 = Vector256.FusedMultiplyAdd(ar, b1, c1_1); }
            { var ar = Vector256.Create(a[2]); c2_0 = Vector256.FusedMultiplyAdd(ar, b0, c2_0); c2_1 = Vector256.FusedMultiplyAdd(ar, b1, c2_1); }
            { var ar = Vector256.Create(a[3]); c3_0 = Vector256.FusedMultiplyAdd(ar, b0, c3_0); c3_1 = Vector256.FusedMultiplyAdd(ar, b1, c3_1); }
            { var ar = Vector256.Create(a[4]); c4_0 = Vector256.FusedMultiplyAdd(ar, b0, c4_0); c4_1 = Vector256.FusedMultiplyAdd(ar, b1, c4_1); }
            { var ar = Vector256.Create(a[5]); c5_0 = Vector256.FusedMultiplyAdd(ar, b0, c5_0); c5_1 = Vector256.FusedMultiplyAdd(ar, b1, c5_1); }
            a += 6;
            b += 16;
        }
        var va = Vector256.Create(alpha);
        if (beta == 0f)
        {
            Vector256.Store(c0_0 * va, c + 0 * (nint)ldc + 0); Vector256.Store(c0_1 * va, c + 0 * (nint)ldc + 8);
            Vector256.Store(c1_0 * va, c + 1 * (nint)ldc + 0); Vector256.Store(c1_1 * va, c + 1 * (nint)ldc + 8);
            Vector256.Store(c2_0 * va, c + 2 * (nint)ldc + 0); Vector256.Store(c2_1 * va, c + 2 * (nint)ldc + 8);
            Vector256.Store(c3_0 * va, c + 3 * (nint)ldc + 0); Vector256.Store(c3_1 * va, c + 3 * (nint)ldc + 8);
            Vector256.Store(c4_0 * va, c + 4 * (nint)ldc + 0); Vector256.Store(c4_1 * va, c + 4 * (nint)ldc + 8);
            Vector256.Store(c5_0 * va, c + 5 * (nint)ldc + 0); Vector256.Store(c5_1 * va, c + 5 * (nint)ldc + 8);
        }
        else
        {
            var vb = Vector256.Create(beta);
            { float* cr = c + 0 * (nint)ldc; Vector256.Store(Vector256.FusedMultiplyAdd(c0_0, va, Vector256.Load(cr + 0) * vb), cr + 0); Vector256.Store(Vector256.FusedMultiplyAdd(c0_1, va, Vector256.Load(cr + 8) * vb), cr + 8); }
            { float* cr = c + 1 * (nint)ldc; Vector256.Store(Vector256.FusedMultiplyAdd(c1_0, va, Vector256.Load(cr + 0) * vb), cr + 0); Vector256.Store(Vector256.FusedMultiplyAdd(c1_1, va, Vector256.Load(cr + 8) * vb), cr + 8); }
            { float* cr = c + 2 * (nint)ldc; Vector256.Store(Vector256.FusedMultiplyAdd(c2_0, va, Vector256.Load(cr + 0) * vb), cr + 0); Vector256.Store(Vector256.FusedMultiplyAdd(c2_1, va, Vector256.Load(cr + 8) * vb), cr + 8); }
            { float* cr = c + 3 * (nint)ldc; Vector256.Store(Vector256.FusedMultiplyAdd(c3_0, va, Vector256.Load(cr + 0) * vb), cr + 0); Vector256.Store(Vector256.FusedMultiplyAdd(c3_1, va, Vector256.Load(cr + 8) * vb), cr + 8); }
            { float* cr = c + 4 * (nint)ldc; Vector256.Store(Vector256.FusedMultiplyAdd(c4_0, va, Vector256.Load(cr + 0) * vb), cr + 0); Vector256.Store(Vector256.FusedMultiplyAdd(c4_1, va, Vector256.Load(cr + 8) * vb), cr + 8); }
            { float* cr = c + 5 * (nint)ldc; Vector256.Store(Vector256.FusedMultiplyAdd(c5_0, va, Vector256.Load(cr + 0) * vb), cr + 0); Vector256.Store(Vector256.FusedMultiplyAdd(c5_1, va, Vector256.Load(cr + 8) * vb), cr + 8); }
        }
    }
}
