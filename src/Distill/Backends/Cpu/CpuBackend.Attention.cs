// Causal attention with grouped KV heads on the CPU, FlashAttention-style: per (batch, kv head) the
// keys and values are packed once into per-thread scratch, then every query head of the group walks
// its rows in small panels (scores of one panel only, never (T, T)), parallel over (batch, kv head)
// items. Backward recomputes probabilities from the saved log-sum-exp.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Distill.Tensors;
using K = Distill.Backends.Cpu.CpuAttentionKernels;

namespace Distill.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <summary>Query rows per panel in the backward (scores of RB rows are kept at a time).</summary>
    private const int BackwardPanelRows = 16;

    public void Attention(Tensor q, Tensor k, Tensor v, float scale, Tensor output, Tensor lse) =>
        AttentionCore(q, k, v, scale, output, lse, Vector512.IsHardwareAccelerated);

    public void AttentionBackward(Tensor q, Tensor k, Tensor v, Tensor output, Tensor lse, Tensor dOutput, float scale,
        Tensor dq, Tensor dk, Tensor dv) =>
        AttentionBackwardCore(q, k, v, output, lse, dOutput, scale, dq, dk, dv, Vector512.IsHardwareAccelerated);

    /// <summary>The problem sizes of one attention call.</summary>
    private readonly record struct AttentionDims(int B, int T, int Hq, int Hkv, int D)
    {
        public int Group => Hq / Hkv;
        /// <summary>Head dim padded to a whole number of vectors.</summary>
        public int Dp => K.PadRow(D);
        /// <summary>Keys padded to whole K^T blocks.</summary>
        public int Tp => K.PadKeys(T);

        public static AttentionDims Of(Tensor q, Tensor k) => new(q.Shape[0], q.Shape[1], q.Shape[2], k.Shape[2], q.Shape[3]);
    }

    /// <summary>Forward; <paramref name="wide"/> picks Vector512 (else Vector256). Internal so tests run both.</summary>
    internal void AttentionCore(Tensor q, Tensor k, Tensor v, float scale, Tensor output, Tensor lse, bool wide)
    {
        var dims = AttentionDims.Of(q, k);
        if (dims.B == 0 || dims.T == 0 || dims.Hq == 0) return;
        float* qp = (float*)q.Pointer, kp = (float*)k.Pointer, vp = (float*)v.Pointer;
        float* op = (float*)output.Pointer, lp = (float*)lse.Pointer;
        if (dims.D == 0)
        {
            // No features: the output is empty and every key scores 0, so lse = log(i + 1).
            for (long row = 0; row < (long)dims.B * dims.Hq * dims.T; row++) lp[row] = MathF.Log(row % dims.T + 1);
            return;
        }

        // Items are (batch, kv head, query segment). Segments only split a (batch, kv head) pair when
        // there are too few pairs to keep every core busy; their bounds follow sqrt so that each causal
        // segment holds about the same work.
        int pairs = dims.B * dims.Hkv;
        int segments = pairs >= 2 * CpuParallel.Threads ? 1 : Math.Min((2 * CpuParallel.Threads + pairs - 1) / pairs, (dims.T + 3) / 4);
        long work = (long)dims.Group * dims.T * dims.T * dims.D * 2 / segments;
        CpuParallel.For((long)pairs * segments, work, (start, end) =>
        {
            for (int item = start; item < end; item++)
            {
                int pair = item / segments, seg = item % segments;
                int rowStart = SegmentBound(dims.T, seg, segments), rowEnd = SegmentBound(dims.T, seg + 1, segments);
                if (rowEnd <= rowStart) continue;
                if (wide)
                    AttentionForwardItem<AttentionVec512, Vector512<float>>(dims, qp, kp, vp, scale, op, lp, pair / dims.Hkv, pair % dims.Hkv, rowStart, rowEnd);
                else
                    AttentionForwardItem<AttentionVec256, Vector256<float>>(dims, qp, kp, vp, scale, op, lp, pair / dims.Hkv, pair % dims.Hkv, rowStart, rowEnd);
            }
        });
    }

    /// <summary>Row where causal segment s of n starts: rows up to it hold s/n of the T^2/2 work (a multiple of 4).</summary>
    private static int SegmentBound(int t, int s, int n)
    {
        if (s >= n) return t;
        int bound = (int)(t * Math.Sqrt((double)s / n)) / 4 * 4;
        return Math.Min(bound, t);
    }

    /// <summary>Query rows [rowStart, rowEnd) of every query head of kv head hkv in batch b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AttentionForwardItem<TOps, TV>(AttentionDims dims, float* q, float* k, float* v, float scale,
        float* output, float* lse, int b, int hkv, int rowStart, int rowEnd)
        where TOps : struct, IAttentionVec<TV> where TV : struct
    {
        int t = dims.T, d = dims.D, dp = dims.Dp, hq = dims.Hq;
        int keys = rowEnd;                       // causal: these rows see keys [0, rowEnd)
        int tp = K.PadKeys(keys);
        long ldq = (long)hq * d, ldk = (long)dims.Hkv * d;

        // Everything the item reads is packed up front in streaming passes (strided rows of one head
        // are slow to fetch on demand): K^T blocks, V rows padded to Dp, and per head the scaled queries.
        int rowCount = rowEnd - rowStart, rowCount4 = (rowCount + 3) / 4 * 4;
        float* scratch = CpuAttentionScratch.Rent((long)tp * d + (long)keys * dp + (long)rowCount4 * d + 4L * dp + 4L * tp);
        float* kt = scratch;                           // (tp / 32, D, 32) packed K^T
        float* vr = kt + (long)tp * d;                 // (keys, Dp) V rows
        float* qRows = vr + (long)keys * dp;           // (rowCount4, D) scale * q rows of one head; pad rows zero
        float* oPanel = qRows + (long)rowCount4 * d;   // (4, Dp) unnormalised output rows
        float* sPanel = oPanel + 4L * dp;              // (4, tp) scores, then e^(s - max)

        K.PackTransposedBlocks(k + (long)b * t * ldk + (long)hkv * d, ldk, keys, d, kt);
        K.PackRows<TOps, TV>(v + (long)b * t * ldk + (long)hkv * d, ldk, keys, d, dp, 1f, vr);

        Span<float> inv = stackalloc float[4];
        new Span<float>(qRows + (long)rowCount * d, (rowCount4 - rowCount) * d).Clear();
        for (int g = 0; g < dims.Group; g++)
        {
            int h = hkv * dims.Group + g;
            float* oHead = output + (long)b * t * ldq + (long)h * d;
            float* lseRow = lse + ((long)b * hq + h) * t;
            K.PackRows<TOps, TV>(q + (long)b * t * ldq + (long)h * d + rowStart * ldq, ldq, rowCount, d, d, scale, qRows);
            for (int i0 = rowStart; i0 < rowEnd; i0 += 4)
            {
                int rows = Math.Min(4, rowEnd - i0);
                int kend = i0 + rows, width = K.PadColumns(kend);
                K.PrefetchRows(oHead + kend * ldq, ldq, Math.Min(4, rowEnd - kend), d);   // next panel's output lines
                K.Scores4<TOps, TV>(qRows + (long)(i0 - rowStart) * d, d, kt, d, width, sPanel, tp);
                for (int r = 0; r < 4; r++)
                {
                    float* row = sPanel + (long)r * tp;
                    if (r < rows)
                    {
                        var (max, sum) = K.ExpRow<TOps, TV>(row, i0 + r + 1, width);
                        lseRow[i0 + r] = max + MathF.Log(sum);
                        inv[r] = 1f / sum;
                    }
                    else
                    {
                        new Span<float>(row, kend).Clear();
                    }
                }
                K.RowsTimesMatrix4<TOps, TV>(sPanel, tp, vr, dp, kend, dp, oPanel, dp);
                for (int r = 0; r < rows; r++)
                    K.ScaleRow<TOps, TV>(oPanel + (long)r * dp, d, inv[r], oHead + (i0 + r) * ldq);
            }
        }
    }

    /// <summary>Backward; <paramref name="wide"/> picks Vector512 (else Vector256). Internal so tests run both.</summary>
    internal void AttentionBackwardCore(Tensor q, Tensor k, Tensor v, Tensor output, Tensor lse, Tensor dOutput, float scale,
        Tensor dq, Tensor dk, Tensor dv, bool wide)
    {
        var dims = AttentionDims.Of(q, k);
        if (dims.B == 0 || dims.T == 0 || dims.Hq == 0 || dims.D == 0) return;
        float* qp = (float*)q.Pointer, kp = (float*)k.Pointer, vp = (float*)v.Pointer, op = (float*)output.Pointer;
        float* lp = (float*)lse.Pointer, dop = (float*)dOutput.Pointer;
        float* dqp = (float*)dq.Pointer, dkp = (float*)dk.Pointer, dvp = (float*)dv.Pointer;

        // One item per (batch, kv head): it owns dk and dv of that kv head and dq of its query heads, so
        // no two items write the same element and the sums do not depend on the thread count.
        int pairs = dims.B * dims.Hkv;
        long work = (long)dims.Group * dims.T * dims.T * dims.D * 5;
        CpuParallel.For(pairs, work, (start, end) =>
        {
            for (int pair = start; pair < end; pair++)
            {
                if (wide)
                    AttentionBackwardItem<AttentionVec512, Vector512<float>>(dims, qp, kp, vp, op, lp, dop, scale, dqp, dkp, dvp, pair / dims.Hkv, pair % dims.Hkv);
                else
                    AttentionBackwardItem<AttentionVec256, Vector256<float>>(dims, qp, kp, vp, op, lp, dop, scale, dqp, dkp, dvp, pair / dims.Hkv, pair % dims.Hkv);
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AttentionBackwardItem<TOps, TV>(AttentionDims dims, float* q, float* k, float* v, float* output,
        float* lse, float* dOutput, float scale, float* dq, float* dk, float* dv, int b, int hkv)
        where TOps : struct, IAttentionVec<TV> where TV : struct
    {
        const int rb = BackwardPanelRows;
        int t = dims.T, d = dims.D, dp = dims.Dp, tp = dims.Tp, hq = dims.Hq;
        int t4 = (t + 3) / 4 * 4;
        long ldq = (long)hq * d, ldk = (long)dims.Hkv * d;

        // K rows are read in place when D is a whole number of vectors, else packed with zero padding.
        bool packK = dp != d;
        long floats = 2L * tp * d + (packK ? (long)t * dp : 0) + 2L * t4 * dp + 3L * rb * dp + 2L * rb * tp + rb;
        float* scratch = CpuAttentionScratch.Rent(floats);
        float* kt = scratch;                      // (tp / 32, D, 32) packed K^T
        float* vt = kt + (long)tp * d;            // (tp / 32, D, 32) packed V^T
        float* dkAcc = vt + (long)tp * d;         // (T4, Dp) dK of this kv head, summed over the group
        float* dvAcc = dkAcc + (long)t4 * dp;     // (T4, Dp) dV likewise
        float* qPanel = dvAcc + (long)t4 * dp;    // (RB, Dp) scale * q rows
        float* doPanel = qPanel + (long)rb * dp;  // (RB, Dp) dO rows
        float* dqPanel = doPanel + (long)rb * dp; // (RB, Dp) dS K rows
        float* pPanel = dqPanel + (long)rb * dp;  // (RB, tp) scores, then probabilities P
        float* dsPanel = pPanel + (long)rb * tp;  // (RB, tp) dP, then dS
        float* delta = dsPanel + (long)rb * tp;   // (RB) rowsum(dO * O)
        float* kr = delta + rb;                   // (T, Dp) packed K rows, or K itself with stride ldkr
        long ldkr = dp;

        float* kBase = k + (long)b * t * ldk + (long)hkv * d;
        float* vBase = v + (long)b * t * ldk + (long)hkv * d;
        K.PackTransposedBlocks(kBase, ldk, t, d, kt);
        K.PackTransposedBlocks(vBase, ldk, t, d, vt);
        if (packK) K.PackRows<TOps, TV>(kBase, ldk, t, d, dp, 1f, kr);
        else { kr = kBase; ldkr = ldk; }
        new Span<float>(dkAcc, checked(2 * t4 * dp)).Clear();

        for (int g = 0; g < dims.Group; g++)
        {
            int h = hkv * dims.Group + g;
            long headOffset = (long)b * t * ldq + (long)h * d;
            float* lseRow = lse + ((long)b * hq + h) * t;
            for (int i0 = 0; i0 < t; i0 += rb)
            {
                int rows = Math.Min(rb, t - i0), rows4 = (rows + 3) / 4 * 4;
                int kend = i0 + rows, keys4 = (kend + 3) / 4 * 4;
                int next = Math.Min(rb, t - kend);                 // rows of the next panel, fetched ahead
                K.PrefetchRows(output + headOffset + kend * ldq, ldq, next, d);
                K.PrefetchRows(dq + headOffset + kend * ldq, ldq, next, d);
                K.PackRows<TOps, TV>(q + headOffset + i0 * ldq, ldq, rows, d, dp, scale, qPanel);
                K.PackRows<TOps, TV>(dOutput + headOffset + i0 * ldq, ldq, rows, d, dp, 1f, doPanel);
                if (rows < rows4)
                {
                    new Span<float>(qPanel + (long)rows * dp, (rows4 - rows) * dp).Clear();
                    new Span<float>(doPanel + (long)rows * dp, (rows4 - rows) * dp).Clear();
                }
                for (int r = 0; r < rows; r++)
                    delta[r] = K.Dot<TOps, TV>(doPanel + (long)r * dp, output + headOffset + (i0 + r) * ldq, d);

                // Per 4-row tile, only the keys its last row can see: scores, P and dS, then dQ += scale dS K.
                for (int r0 = 0; r0 < rows4; r0 += 4)
                {
                    int tileKeys = Math.Min(kend, i0 + r0 + 4), width = K.PadColumns(tileKeys);
                    float* pTile = pPanel + (long)r0 * tp, dsTile = dsPanel + (long)r0 * tp;
                    K.Scores4<TOps, TV>(qPanel + (long)r0 * dp, dp, kt, d, width, pTile, tp);
                    K.Scores4<TOps, TV>(doPanel + (long)r0 * dp, dp, vt, d, width, dsTile, tp);
                    for (int r = r0; r < r0 + 4; r++)
                    {
                        if (r < rows)
                        {
                            K.ProbsAndScoreGrads<TOps, TV>(pPanel + (long)r * tp, dsPanel + (long)r * tp, i0 + r + 1, width, lseRow[i0 + r], delta[r]);
                        }
                        else
                        {
                            new Span<float>(pPanel + (long)r * tp, width).Clear();
                            new Span<float>(dsPanel + (long)r * tp, width).Clear();
                        }
                    }
                    K.RowsTimesMatrix4<TOps, TV>(dsTile, tp, kr, ldkr, tileKeys, dp, dqPanel + (long)r0 * dp, dp);
                }
                for (int r = 0; r < rows; r++)
                    K.AddScaledRow<TOps, TV>(dqPanel + (long)r * dp, d, scale, dq + headOffset + (i0 + r) * ldq);

                K.RankUpdate4<TOps, TV>(pPanel, tp, rows, doPanel, dp, dvAcc, keys4, i0);     // dV += P^T dO
                K.RankUpdate4<TOps, TV>(dsPanel, tp, rows, qPanel, dp, dkAcc, keys4, i0);    // dK += dS^T (scale q)
            }
        }

        K.AccumulateRows<TOps, TV>(dkAcc, dp, dk + (long)b * t * ldk + (long)hkv * d, ldk, t, d);
        K.AccumulateRows<TOps, TV>(dvAcc, dp, dv + (long)b * t * ldk + (long)hkv * d, ldk, t, d);
    }
}
