// Register-blocked microkernels of the CPU attention: packing K/V into panels, 4-row score tiles
// against packed K^T blocks, probability-times-rows products and rank updates of key rows. Written once
// over IAttentionVec and specialised by the JIT for Vector512 and Vector256.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Distill.Backends.Cpu;

internal static unsafe class CpuAttentionKernels
{
    /// <summary>Keys per packed K^T (or V^T) block: 2 zmm (or 4 ymm) of scores per row.</summary>
    public const int KeyBlock = 32;

    /// <summary>Rows of a packed panel are padded to a multiple of this many floats.</summary>
    public const int RowPad = 16;

    public static int PadRow(int d) => (d + RowPad - 1) / RowPad * RowPad;

    public static int PadKeys(int n) => (n + KeyBlock - 1) / KeyBlock * KeyBlock;

    /// <summary>
    /// Packs the first d columns of rows [0, n) of src (row stride ld) as transposed blocks of 32 keys:
    /// dst[blk][c][jj] = src[blk * 32 + jj][c]; keys n .. PadKeys(n) are zero. dst: (PadKeys(n) / 32, d, 32).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackTransposedBlocks(float* src, long ld, int n, int d, float* dst)
    {
        int blocks = (n + KeyBlock - 1) / KeyBlock;
        bool fast = Avx512F.IsSupported;
        for (int blk = 0; blk < blocks; blk++)
        {
            float* db = dst + (long)blk * d * KeyBlock;
            int j0 = blk * KeyBlock, count = Math.Min(KeyBlock, n - j0);
            int c0 = 0;
            if (fast && count == KeyBlock)
            {
                // 16 x 16 tiles through registers; the column tail (d % 16) goes scalar below.
                if (blk + 1 < blocks) PrefetchRows(src + (j0 + KeyBlock) * ld, ld, Math.Min(KeyBlock, n - j0 - KeyBlock), d);
                for (; c0 + 16 <= d; c0 += 16)
                {
                    Transpose16(src + j0 * ld + c0, ld, db + c0 * KeyBlock, KeyBlock);
                    Transpose16(src + (j0 + 16) * ld + c0, ld, db + c0 * KeyBlock + 16, KeyBlock);
                }
            }
            for (int jj = 0; jj < count; jj++)
            {
                float* s = src + (j0 + jj) * ld;
                for (int c = c0; c < d; c++) db[c * KeyBlock + jj] = s[c];
            }
            if (count < KeyBlock)
                for (int c = 0; c < d; c++)
                    new Span<float>(db + c * KeyBlock + count, KeyBlock - count).Clear();
        }
    }

    /// <summary>
    /// Asks for rows [0, n) (first d floats of each, stride ld) to be pulled into cache ahead of use:
    /// rows of one head are strided through a larger tensor, which the hardware prefetchers follow poorly.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PrefetchRows(float* src, long ld, int n, int d)
    {
        if (!Sse.IsSupported) return;
        for (int j = 0; j < n; j++)
            for (int c = 0; c < d; c += 16) Sse.Prefetch0(src + j * ld + c);
    }

    /// <summary>dst[c][i] = src[i][c] for a 16 x 16 tile (row strides lds and ldd floats), in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose16(float* src, long lds, float* dst, long ldd)
    {
        // Four shuffle stages: interleave floats, then pairs, then 128-bit lanes twice.
        var r0 = Avx512F.LoadVector512(src); var r1 = Avx512F.LoadVector512(src + lds);
        var r2 = Avx512F.LoadVector512(src + 2 * lds); var r3 = Avx512F.LoadVector512(src + 3 * lds);
        var r4 = Avx512F.LoadVector512(src + 4 * lds); var r5 = Avx512F.LoadVector512(src + 5 * lds);
        var r6 = Avx512F.LoadVector512(src + 6 * lds); var r7 = Avx512F.LoadVector512(src + 7 * lds);
        var r8 = Avx512F.LoadVector512(src + 8 * lds); var r9 = Avx512F.LoadVector512(src + 9 * lds);
        var ra = Avx512F.LoadVector512(src + 10 * lds); var rb = Avx512F.LoadVector512(src + 11 * lds);
        var rc = Avx512F.LoadVector512(src + 12 * lds); var rd = Avx512F.LoadVector512(src + 13 * lds);
        var re = Avx512F.LoadVector512(src + 14 * lds); var rf = Avx512F.LoadVector512(src + 15 * lds);

        var t0 = Avx512F.UnpackLow(r0, r1); var t1 = Avx512F.UnpackHigh(r0, r1);
        var t2 = Avx512F.UnpackLow(r2, r3); var t3 = Avx512F.UnpackHigh(r2, r3);
        var t4 = Avx512F.UnpackLow(r4, r5); var t5 = Avx512F.UnpackHigh(r4, r5);
        var t6 = Avx512F.UnpackLow(r6, r7); var t7 = Avx512F.UnpackHigh(r6, r7);
        var t8 = Avx512F.UnpackLow(r8, r9); var t9 = Avx512F.UnpackHigh(r8, r9);
        var ta = Avx512F.UnpackLow(ra, rb); var tb = Avx512F.UnpackHigh(ra, rb);
        var tc = Avx512F.UnpackLow(rc, rd); var td = Avx512F.UnpackHigh(rc, rd);
        var te = Avx512F.UnpackLow(re, rf); var tf = Avx512F.UnpackHigh(re, rf);

        r0 = Pairs(t0, t2, low: true); r1 = Pairs(t0, t2, low: false);
        r2 = Pairs(t1, t3, low: true); r3 = Pairs(t1, t3, low: false);
        r4 = Pairs(t4, t6, low: true); r5 = Pairs(t4, t6, low: false);
        r6 = Pairs(t5, t7, low: true); r7 = Pairs(t5, t7, low: false);
        r8 = Pairs(t8, ta, low: true); r9 = Pairs(t8, ta, low: false);
        ra = Pairs(t9, tb, low: true); rb = Pairs(t9, tb, low: false);
        rc = Pairs(tc, te, low: true); rd = Pairs(tc, te, low: false);
        re = Pairs(td, tf, low: true); rf = Pairs(td, tf, low: false);

        // Now r0..r3 hold columns {0,4,8,12}, {1,5,9,13}, {2,6,10,14}, {3,7,11,15} of rows 0-3 per lane,
        // r4..r7 the same for rows 4-7, r8..rb rows 8-11, rc..rf rows 12-15.
        t0 = Avx512F.Shuffle4x128(r0, r4, 0x88); t1 = Avx512F.Shuffle4x128(r1, r5, 0x88);
        t2 = Avx512F.Shuffle4x128(r2, r6, 0x88); t3 = Avx512F.Shuffle4x128(r3, r7, 0x88);
        t4 = Avx512F.Shuffle4x128(r0, r4, 0xDD); t5 = Avx512F.Shuffle4x128(r1, r5, 0xDD);
        t6 = Avx512F.Shuffle4x128(r2, r6, 0xDD); t7 = Avx512F.Shuffle4x128(r3, r7, 0xDD);
        t8 = Avx512F.Shuffle4x128(r8, rc, 0x88); t9 = Avx512F.Shuffle4x128(r9, rd, 0x88);
        ta = Avx512F.Shuffle4x128(ra, re, 0x88); tb = Avx512F.Shuffle4x128(rb, rf, 0x88);
        tc = Avx512F.Shuffle4x128(r8, rc, 0xDD); td = Avx512F.Shuffle4x128(r9, rd, 0xDD);
        te = Avx512F.Shuffle4x128(ra, re, 0xDD); tf = Avx512F.Shuffle4x128(rb, rf, 0xDD);

        Avx512F.Store(dst, Avx512F.Shuffle4x128(t0, t8, 0x88));
        Avx512F.Store(dst + ldd, Avx512F.Shuffle4x128(t1, t9, 0x88));
        Avx512F.Store(dst + 2 * ldd, Avx512F.Shuffle4x128(t2, ta, 0x88));
        Avx512F.Store(dst + 3 * ldd, Avx512F.Shuffle4x128(t3, tb, 0x88));
        Avx512F.Store(dst + 4 * ldd, Avx512F.Shuffle4x128(t4, tc, 0x88));
        Avx512F.Store(dst + 5 * ldd, Avx512F.Shuffle4x128(t5, td, 0x88));
        Avx512F.Store(dst + 6 * ldd, Avx512F.Shuffle4x128(t6, te, 0x88));
        Avx512F.Store(dst + 7 * ldd, Avx512F.Shuffle4x128(t7, tf, 0x88));
        Avx512F.Store(dst + 8 * ldd, Avx512F.Shuffle4x128(t0, t8, 0xDD));
        Avx512F.Store(dst + 9 * ldd, Avx512F.Shuffle4x128(t1, t9, 0xDD));
        Avx512F.Store(dst + 10 * ldd, Avx512F.Shuffle4x128(t2, ta, 0xDD));
        Avx512F.Store(dst + 11 * ldd, Avx512F.Shuffle4x128(t3, tb, 0xDD));
        Avx512F.Store(dst + 12 * ldd, Avx512F.Shuffle4x128(t4, tc, 0xDD));
        Avx512F.Store(dst + 13 * ldd, Avx512F.Shuffle4x128(t5, td, 0xDD));
        Avx512F.Store(dst + 14 * ldd, Avx512F.Shuffle4x128(t6, te, 0xDD));
        Avx512F.Store(dst + 15 * ldd, Avx512F.Shuffle4x128(t7, tf, 0xDD));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Pairs(Vector512<float> a, Vector512<float> b, bool low) => low
        ? Avx512F.UnpackLow(a.AsDouble(), b.AsDouble()).AsSingle()
        : Avx512F.UnpackHigh(a.AsDouble(), b.AsDouble()).AsSingle();

    /// <summary>dst (n, dp) = scale * src (n rows of stride ld, first d columns); columns d .. dp are zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackRows<TOps, TV>(float* src, long ld, int n, int d, int dp, float scale, float* dst)
        where TOps : struct, IAttentionVec<TV> where TV : struct
    {
        const int ahead = 16;
        PrefetchRows(src, ld, Math.Min(ahead, n), d);
        for (int j = 0; j < n; j++)
        {
            if (j + ahead < n) PrefetchRows(src + (j + ahead) * ld, ld, 1, d);
            ScaleRow<TOps, TV>(src + j * ld, d, scale, dst + (long)j * dp);
            for (int c = d; c < dp; c++) dst[(long)j * dp + c] = 0f;
        }
    }

    /// <summary>dst rows (n rows of stride ld, first d columns) += src (n, dp); streams dst with prefetch ahead.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateRows<TOps, TV>(float* src, int dp, float* dst, long ld, int n, int d)
        where TOps : struct, IAttentionVec<TV> where TV : struct
    {
        const int ahead = 16;
        PrefetchRows(dst, ld, Math.Min(ahead, n), d);
        for (int j = 0; j < n; j++)
        {
            if (j + ahead < n) PrefetchRows(dst + (j + ahead) * ld, ld, 1, d);
            AddScaledRow<TOps, TV>(src + (long)j * dp, d, 1f, dst + j * ld);
        }
    }

    /// <summary>dst[0 .. n) = scale * src[0 .. n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ScaleRow<TOps, TV>(float* src, int n, float scale, float* dst)
        where TOps : struct, IAttentionVec<TV> where TV : struct
    {
        int w = TOps.Count, c = 0;
        TV f = TOps.Splat(scale);
        for (; c + w <= n; c += w) TOps.Store(dst + c, TOps.Mul(TOps.Load(src + c), f));
        for (; c < n; c++) dst[c] = src[c] * scale;
    }

    /// <summary>dst[0 .. n) += scale * src[0 .. n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddScaledRow<TOps, TV>(float* src, int n, float scale, float* dst)
        where TOps : struct, IAttentionVec<TV> where TV : struct
    {
        int w = TOps.Count, c = 0;
        TV f = TOps.Splat(scale);
        for (; c + w <= n; c += w) TOps.Store(dst + c, TOps.Fma(TOps.Load(src + c), f, TOps.Load(dst + c)));
        for (; c < n; c++) dst[c] += src[c] * scale;
    }

    /// <summary>Dot product of two n-float rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot<TOps, TV>(float* a, float* b, int n)
        where TOps : struct, IAttentionVec<TV> where TV : struct
    {
        int w = TOps.Count, c = 0;
        TV acc = TOps.Zero;
        for (; c + w <= n; c += w) acc = TOps.Fma(TOps.Load(a + c), TOps.Load(b + c), acc);
        float s = TOps.Sum(acc);
        for (; c < n; c++) s += a[c] * b[c];
        return s;
    }

    /// <summary>Score columns are computed in multiples of this many (one zmm).</summary>
    public const int ColumnStep = 16;

    public static int PadColumns(int n) => (n + ColumnStep - 1) / ColumnStep * ColumnStep;

    /// <summary>
    /// s[r, 0 .. cols) = sum over c &lt; d of a[r, c] * bt[.., c, ..] for the 4 rows r of a (row stride lda)
    /// against packed K^T blocks (see <see cref="PackTransposedBlocks"/>); cols is a multiple of 16 within
    /// the packed keys; s has row stride lds. Passes of 4 vectors (16 accumulators), then 2, then 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scores4<TOps, TV>(float* a, int lda, float* bt, int d, int cols, float* s, int lds)
        where TOps : struct, IAttentionVec<TV> where TV : struct
    {
        int w = TOps.Count;
        long blockFloats = (long)d * KeyBlock;
        float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        int col = 0;
        for (; col + 4 * w <= cols; col += 4 * w)
        {
            // Column col + x w lives in block (col + x w) / 32 at offset (col + x w) % 32.
            float* p0 = bt + (col / KeyBlock) * blockFloats + col % KeyBlock;
            float* p1 = bt + ((col + w) / KeyBlock) * blockFloats + (col + w) % KeyBlock;
            float* p2 = bt + ((col + 2 * w) / KeyBlock) * blockFloats + (col + 2 * w) % KeyBlock;
            float* p3 = bt + ((col + 3 * w) / KeyBlock) * blockFloats + (col + 3 * w) % KeyBlock;
            TV c00 = TOps.Zero, c01 = TOps.Zero, c02 = TOps.Zero, c03 = TOps.Zero;
            TV c10 = TOps.Zero, c11 = TOps.Zero, c12 = TOps.Zero, c13 = TOps.Zero;
            TV c20 = TOps.Zero, c21 = TOps.Zero, c22 = TOps.Zero, c23 = TOps.Zero;
            TV c30 = TOps.Zero, c31 = TOps.Zero, c32 = TOps.Zero, c33 = TOps.Zero;
            for (int c = 0; c < d; c++)
            {
                int o = c * KeyBlock;
                TV b0 = TOps.Load(p0 + o), b1 = TOps.Load(p1 + o), b2 = TOps.Load(p2 + o), b3 = TOps.Load(p3 + o);
                TV x = TOps.Splat(a0[c]);
                c00 = TOps.Fma(x, b0, c00); c01 = TOps.Fma(x, b1, c01); c02 = TOps.Fma(x, b2, c02); c03 = TOps.Fma(x, b3, c03);
                x = TOps.Splat(a1[c]);
                c10 = TOps.Fma(x, b0, c10); c11 = TOps.Fma(x, b1, c11); c12 = TOps.Fma(x, b2, c12); c13 = TOps.Fma(x, b3, c13);
                x = TOps.Splat(a2[c]);
                c20 = TOps.Fma(x, b0, c20); c21 = TOps.Fma(x, b1, c21); c22 = TOps.Fma(x, b2, c22); c23 = TOps.Fma(x, b3, c23);
                x = TOps.Splat(a3[c]);
                c30 = TOps.Fma(x, b0, c30); c31 = TOps.Fma(x, b1, c31); c32 = TOps.Fma(x, b2, c32); c33 = TOps.Fma(x, b3, c33);
            }
            float* so = s + col;
            TOps.Store(so, c00); TOps.Store(so + w, c01); TOps.Store(so + 2 * w, c02); TOps.Store(so + 3 * w, c03);
            so += lds;
            TOps.Store(so, c10); TOps.Store(so + w, c11); TOps.Store(so + 2 * w, c12); TOps.Store(so + 3 * w, c13);
            so += lds;
            TOps.Store(so, c20); TOps.Store(so + w, c21); TOps.Store(so + 2 * w, c22); TOps.Store(so + 3 * w, c23);
            so += lds;
            TOps.Store(so, c30); TOps.Store(so + w, c31); TOps.Store(so + 2 * w, c32); TOps.Store(so + 3 * w, c33);
        }
        for (; col < cols; col += w)
        {
            float* p0 = bt + (col / KeyBlock) * blockFloats + col % KeyBlock;
            TV c0 = TOps.Zero, c1 = TOps.Zero, c2 = TOps.Zero, c3 = TOps.Zero;
            for (int c = 0; c < d; c++)
            {
                TV b0 = TOps.Load(p0 + c * KeyBlock);
                c0 = TOps.Fma(TOps.Splat(a0[c]), b0, c0);
                c1 = TOps.Fma(TOps.Splat(a1[c]), b0, c1);
                c2 = TOps.Fma(TOps.Splat(a2[c]), b0, c2);
                c3 = TOps.Fma(TOps.Splat(a3[c]), b0, c3);
            }
            TOps.Store(s + col, c0);
            TOps.Store(s + lds + col, c1);
            TOps.Store(s + 2 * lds + col, c2);
            TOps.Store(s + 3 * lds + col, c3);
        }
    }

    /// <summary>
    /// o[r, :] = sum over j &lt; n of p[r, j] * m[j, :] for the 4 rows r of p (row stride ldp); m has n rows
    /// of stride ldm whose first dp columns are read (dp a multiple of 16); o has row stride ldo.
    /// Used for P V (forward) and dS K (backward).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RowsTimesMatrix4<TOps, TV>(float* p, int ldp, float* m, long ldm, int n, int dp, float* o, int ldo)
        where TOps : struct, IAttentionVec<TV> where TV : struct
    {
        int w = TOps.Count;
        float* p0 = p, p1 = p + ldp, p2 = p + 2 * ldp, p3 = p + 3 * ldp;
        int c = 0;
        for (; c + 4 * w <= dp; c += 4 * w)
        {
            TV a00 = TOps.Zero, a01 = TOps.Zero, a02 = TOps.Zero, a03 = TOps.Zero;
            TV a10 = TOps.Zero, a11 = TOps.Zero, a12 = TOps.Zero, a13 = TOps.Zero;
            TV a20 = TOps.Zero, a21 = TOps.Zero, a22 = TOps.Zero, a23 = TOps.Zero;
            TV a30 = TOps.Zero, a31 = TOps.Zero, a32 = TOps.Zero, a33 = TOps.Zero;
            float* mp = m + c;
            for (int j = 0; j < n; j++, mp += ldm)
            {
                TV m0 = TOps.Load(mp), m1 = TOps.Load(mp + w), m2 = TOps.Load(mp + 2 * w), m3 = TOps.Load(mp + 3 * w);
                TV x = TOps.Splat(p0[j]);
                a00 = TOps.Fma(x, m0, a00); a01 = TOps.Fma(x, m1, a01); a02 = TOps.Fma(x, m2, a02); a03 = TOps.Fma(x, m3, a03);
                x = TOps.Splat(p1[j]);
                a10 = TOps.Fma(x, m0, a10); a11 = TOps.Fma(x, m1, a11); a12 = TOps.Fma(x, m2, a12); a13 = TOps.Fma(x, m3, a13);
                x = TOps.Splat(p2[j]);
                a20 = TOps.Fma(x, m0, a20); a21 = TOps.Fma(x, m1, a21); a22 = TOps.Fma(x, m2, a22); a23 = TOps.Fma(x, m3, a23);
                x = TOps.Splat(p3[j]);
                a30 = TOps.Fma(x, m0, a30); a31 = TOps.Fma(x, m1, a31); a32 = TOps.Fma(x, m2, a32); a33 = TOps.Fma(x, m3, a33);
            }
            float* op = o + c;
            TOps.Store(op, a00); TOps.Store(op + w, a01); TOps.Store(op + 2 * w, a02); TOps.Store(op + 3 * w, a03);
            op += ldo;
            TOps.Store(op, a10); TOps.Store(op + w, a11); TOps.Store(op + 2 * w, a12); TOps.Store(op + 3 * w, a13);
            op += ldo;
            TOps.Store(op, a20); TOps.Store(op + w, a21); TOps.Store(op + 2 * w, a22); TOps.Store(op + 3 * w, a23);
            op += ldo;
            TOps.Store(op, a30); TOps.Store(op + w, a31); TOps.Store(op + 2 * w, a32); TOps.Store(op + 3 * w, a33);
        }
        for (; c < dp; c += w)
        {
            TV a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero;
            float* mp = m + c;
            for (int j = 0; j < n; j++, mp += ldm)
            {
                TV m0 = TOps.Load(mp);
                a0 = TOps.Fma(TOps.Splat(p0[j]), m0, a0);
                a1 = TOps.Fma(TOps.Splat(p1[j]), m0, a1);
                a2 = TOps.Fma(TOps.Splat(p2[j]), m0, a2);
                a3 = TOps.Fma(TOps.Splat(p3[j]), m0, a3);
            }
            TOps.Store(o + c, a0);
            TOps.Store(o + ldo + c, a1);
            TOps.Store(o + 2 * ldo + c, a2);
            TOps.Store(o + 3 * ldo + c, a3);
        }
    }

    /// <summary>
    /// dst[j, :] += sum over r &lt; rows of a[r, j] * x[r, :] for keys j &lt; keys (a multiple of 4); a has row
    /// stride lda, x is (rows, dp) and dst (keys, dp) with dp a multiple of 16. Used for dV += P^T dO
    /// and dK += dS^T (scale q). Causal: row r sees keys up to firstRowKey + r (a multiple of 4), so key
    /// tiles past firstRowKey start at the first 4-row tile that can see them (a is zero before that).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RankUpdate4<TOps, TV>(float* a, int lda, int rows, float* x, int dp, float* dst, int keys, int firstRowKey)
        where TOps : struct, IAttentionVec<TV> where TV : struct
    {
        int w = TOps.Count;
        int c = 0;
        for (; c + 4 * w <= dp; c += 4 * w)
        {
            for (int j = 0; j < keys; j += 4)
            {
                float* d0 = dst + (long)j * dp + c;
                float* d1 = d0 + dp, d2 = d1 + dp, d3 = d2 + dp;
                TV a00 = TOps.Load(d0), a01 = TOps.Load(d0 + w), a02 = TOps.Load(d0 + 2 * w), a03 = TOps.Load(d0 + 3 * w);
                TV a10 = TOps.Load(d1), a11 = TOps.Load(d1 + w), a12 = TOps.Load(d1 + 2 * w), a13 = TOps.Load(d1 + 3 * w);
                TV a20 = TOps.Load(d2), a21 = TOps.Load(d2 + w), a22 = TOps.Load(d2 + 2 * w), a23 = TOps.Load(d2 + 3 * w);
                TV a30 = TOps.Load(d3), a31 = TOps.Load(d3 + w), a32 = TOps.Load(d3 + 2 * w), a33 = TOps.Load(d3 + 3 * w);
                int r = j > firstRowKey ? (j - firstRowKey) & ~3 : 0;
                float* ar = a + (long)r * lda + j;
                float* xr = x + (long)r * dp + c;
                for (; r < rows; r++, ar += lda, xr += dp)
                {
                    TV x0 = TOps.Load(xr), x1 = TOps.Load(xr + w), x2 = TOps.Load(xr + 2 * w), x3 = TOps.Load(xr + 3 * w);
                    TV s = TOps.Splat(ar[0]);
                    a00 = TOps.Fma(s, x0, a00); a01 = TOps.Fma(s, x1, a01); a02 = TOps.Fma(s, x2, a02); a03 = TOps.Fma(s, x3, a03);
                    s = TOps.Splat(ar[1]);
                    a10 = TOps.Fma(s, x0, a10); a11 = TOps.Fma(s, x1, a11); a12 = TOps.Fma(s, x2, a12); a13 = TOps.Fma(s, x3, a13);
                    s = TOps.Splat(ar[2]);
                    a20 = TOps.Fma(s, x0, a20); a21 = TOps.Fma(s, x1, a21); a22 = TOps.Fma(s, x2, a22); a23 = TOps.Fma(s, x3, a23);
                    s = TOps.Splat(ar[3]);
                    a30 = TOps.Fma(s, x0, a30); a31 = TOps.Fma(s, x1, a31); a32 = TOps.Fma(s, x2, a32); a33 = TOps.Fma(s, x3, a33);
                }
                TOps.Store(d0, a00); TOps.Store(d0 + w, a01); TOps.Store(d0 + 2 * w, a02); TOps.Store(d0 + 3 * w, a03);
                TOps.Store(d1, a10); TOps.Store(d1 + w, a11); TOps.Store(d1 + 2 * w, a12); TOps.Store(d1 + 3 * w, a13);
                TOps.Store(d2, a20); TOps.Store(d2 + w, a21); TOps.Store(d2 + 2 * w, a22); TOps.Store(d2 + 3 * w, a23);
                TOps.Store(d3, a30); TOps.Store(d3 + w, a31); TOps.Store(d3 + 2 * w, a32); TOps.Store(d3 + 3 * w, a33);
            }
        }
        for (; c < dp; c += w)
        {
            for (int j = 0; j < keys; j += 4)
            {
                float* d0 = dst + (long)j * dp + c;
                TV a0 = TOps.Load(d0), a1 = TOps.Load(d0 + dp), a2 = TOps.Load(d0 + 2 * dp), a3 = TOps.Load(d0 + 3 * dp);
                int r = j > firstRowKey ? (j - firstRowKey) & ~3 : 0;
                float* ar = a + (long)r * lda + j;
                float* xr = x + (long)r * dp + c;
                for (; r < rows; r++, ar += lda, xr += dp)
                {
                    TV x0 = TOps.Load(xr);
                    a0 = TOps.Fma(TOps.Splat(ar[0]), x0, a0);
                    a1 = TOps.Fma(TOps.Splat(ar[1]), x0, a1);
                    a2 = TOps.Fma(TOps.Splat(ar[2]), x0, a2);
                    a3 = TOps.Fma(TOps.Splat(ar[3]), x0, a3);
                }
                TOps.Store(d0, a0);
                TOps.Store(d0 + dp, a1);
                TOps.Store(d0 + 2 * dp, a2);
                TOps.Store(d0 + 3 * dp, a3);
            }
        }
    }

    /// <summary>
    /// One causal softmax row in place over width (a multiple of 32) scores of which the first valid
    /// count: leaves e^(s - max) there and zeros after; returns the row max and the sum of the exps.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (float Max, float Sum) ExpRow<TOps, TV>(float* row, int valid, int width)
        where TOps : struct, IAttentionVec<TV> where TV : struct
    {
        int w = TOps.Count;
        int used = (valid + w - 1) / w * w;     // whole vectors holding valid columns
        for (int j = valid; j < used; j++) row[j] = float.NegativeInfinity;
        TV mv = TOps.Splat(float.NegativeInfinity);
        for (int j = 0; j < used; j += w) mv = TOps.Max(mv, TOps.Load(row + j));
        float max = TOps.MaxAcross(mv);
        TV neg = TOps.Splat(-max);
        TV sum = TOps.Zero;
        for (int j = 0; j < used; j += w)
        {
            TV e = TOps.Exp(TOps.Add(TOps.Load(row + j), neg));
            TOps.Store(row + j, e);
            sum = TOps.Add(sum, e);
        }
        for (int j = used; j < width; j++) row[j] = 0f;
        return (max, TOps.Sum(sum));
    }

    /// <summary>
    /// Backward for one causal row over width (a multiple of 32) columns of which the first valid count:
    /// p = e^(s - lse) (zero past valid) into s, dS = p (dP - delta) into dp.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ProbsAndScoreGrads<TOps, TV>(float* s, float* dp, int valid, int width, float lse, float delta)
        where TOps : struct, IAttentionVec<TV> where TV : struct
    {
        int w = TOps.Count;
        int used = (valid + w - 1) / w * w;     // whole vectors holding valid columns
        for (int j = valid; j < used; j++) s[j] = float.NegativeInfinity;
        TV negLse = TOps.Splat(-lse), negDelta = TOps.Splat(-delta);
        for (int j = 0; j < used; j += w)
        {
            TV p = TOps.Exp(TOps.Add(TOps.Load(s + j), negLse));
            TOps.Store(s + j, p);
            TOps.Store(dp + j, TOps.Mul(p, TOps.Add(TOps.Load(dp + j), negDelta)));
        }
        for (int j = used; j < width; j++) s[j] = dp[j] = 0f;
    }
}
