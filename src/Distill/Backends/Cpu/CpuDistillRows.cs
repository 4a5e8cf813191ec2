// One row of the fused distillation loss (LOSSES.md). Pass A is an online softmax in blocks: per block
// the maxima of the student and teacher logits, the running maxima raised (rescaling the sums), then
// exp(a - max) and exp(b - max) stored in per-thread scratch with the sums of both distributions and
// the student's T = 1 sum, so every log-sum-exp comes from that one read of the row. Pass B turns the
// stored exps into p and q (one factor per block), sums the loss and, for forward KL and TAID, writes
// dz = (p - q) / T; the other divergences store p and g = dD/dp and pass C writes p (g - sum p g) / T.
// dz may alias the student logits: every pass reads z[i] before it writes dz[i], and z[target] first.
using Distill.Losses;

namespace Distill.Backends.Cpu;

/// <summary>The per-call constants of the row kernel, with the exact special cases resolved.</summary>
internal readonly struct DistillRowSetup
{
    public readonly Divergence Kind;
    public readonly float Beta, Alpha, TaidT, InvT;
    /// <summary>softScale / T and hardScale: the factors of dD/dp-chain and of dCE/dz in dz.</summary>
    public readonly float KS, KH;
    /// <summary>The hard part's mode for rows with a target (None without targets).</summary>
    public readonly CeMode Ce;
    public readonly SparseTail Tail;

    public DistillRowSetup(DistillLossOptions o, bool hasTargets, float softScale, float hardScale)
    {
        // JSD(0) and JSD(1) are exactly forward and reverse KL (GKD's convention), and the skews at
        // alpha = 0 are the plain KLs; routing them there keeps them exact where a mixture would not be.
        Kind = o.Divergence switch
        {
            Divergence.Jsd when o.Beta == 0f => Divergence.ForwardKl,
            Divergence.Jsd when o.Beta == 1f => Divergence.ReverseKl,
            Divergence.SkewKl when o.Alpha == 0f => Divergence.ForwardKl,
            Divergence.SkewReverseKl when o.Alpha == 0f => Divergence.ReverseKl,
            var d => d,
        };
        Beta = o.Beta;
        Alpha = o.Alpha;
        TaidT = o.TaidT;
        InvT = 1f / o.Temperature;
        KS = softScale * InvT;
        KH = hasTargets ? hardScale : 0f;
        Ce = !hasTargets ? CeMode.None : o.Temperature == 1f ? CeMode.Same : o.Temperature == 2f ? CeMode.Square : CeMode.Exp;
        Tail = o.Tail;
    }
}

internal static unsafe class CpuDistillRows
{
    /// <summary>Floats per online-softmax block: big enough to amortise the block's bookkeeping, small enough to stay in L1.</summary>
    public const int Block = 1024;

    public static int Blocks(int v) => (v + Block - 1) / Block;

    /// <summary>Log-sum-exps of a row after pass A (double: one rounding in every difference of them).</summary>
    private struct RowStats
    {
        public double LseA, LseB, LseZ;
        public float Probe;
    }

    /// <summary>Dense teacher row: soft and hard losses, dz (when not null), and whether the teacher row is not finite.</summary>
    public static void Dense(float* z, float* zt, int v, bool hasTarget, int target, float* dz, in DistillRowSetup st,
        CpuDistillScratch sc, out float soft, out float hard, out bool badTeacher)
    {
        var ce = hasTarget ? st.Ce : CeMode.None;
        float zy = hasTarget ? z[target] : 0f;   // before any write: dz may alias z
        bool taid = st.Kind == Divergence.Taid;
        var rs = PassA(z, zt, v, taid ? TeacherMode.Taid : TeacherMode.Dense, ce, st, sc);
        badTeacher = !float.IsFinite(rs.Probe);
        hard = hasTarget ? (float)(rs.LseZ - zy) : 0f;
        float hardC = HardConstant(ce, rs);
        float kh = hasTarget ? st.KH : 0f;
        switch (st.Kind)
        {
            case Divergence.ForwardKl:
            case Divergence.Taid:
                var pb = new TargetGradPass
                {
                    Z = z, Zt = zt, Ea = sc.Ea, Eb = sc.Eb, Dz = dz, Taid = taid, Ce = ce, InvT = st.InvT,
                    C = (float)(taid ? rs.LseA : rs.LseA - rs.LseB), KS = st.KS, KH = kh, HardC = hardC,
                };
                for (int k = 0, i0 = 0; i0 < v; k++, i0 += Block)
                {
                    pb.Fa = (float)Math.Exp(sc.OffA[k] - rs.LseA);
                    pb.Fb = (float)Math.Exp(sc.OffB[k] - rs.LseB);
                    RowSweep.Run(ref pb, (nuint)i0, (nuint)Math.Min(v, i0 + Block));
                }
                soft = pb.Loss;
                break;
            case Divergence.ReverseKl: soft = GradRow(default(ReverseKlElement), z, zt, v, dz, ce, kh, hardC, st, rs, sc); break;
            case Divergence.Jsd: soft = GradRow(new JsdElement(st.Beta), z, zt, v, dz, ce, kh, hardC, st, rs, sc); break;
            case Divergence.SkewKl: soft = GradRow(new SkewKlElement(st.Alpha), z, zt, v, dz, ce, kh, hardC, st, rs, sc); break;
            case Divergence.SkewReverseKl: soft = GradRow(new SkewReverseKlElement(st.Alpha), z, zt, v, dz, ce, kh, hardC, st, rs, sc); break;
            case Divergence.TotalVariation: soft = GradRow(default(TotalVariationElement), z, zt, v, dz, ce, kh, hardC, st, rs, sc); break;
            default: throw new ArgumentOutOfRangeException(nameof(st), st.Kind, "DistillLoss: unknown divergence");
        }
        if (dz != null && ce != CeMode.None) dz[target] -= kh;
    }

    /// <summary>
    /// Sparse (top-k) teacher row: the student's pass A, the divergence over the k ids (plus the tail
    /// bucket) in double, then one write of dz = KS p (G - S) with G the tail's dL/dp off the ids, and a
    /// scatter of each id's own term.
    /// </summary>
    public static void Sparse(float* z, int v, int* ids, float* ztk, int k, float lseT, bool hasTarget, int target, float* dz,
        in DistillRowSetup st, CpuDistillScratch sc, out float soft, out float hard, out bool badTeacher)
    {
        var ce = hasTarget ? st.Ce : CeMode.None;
        float zy = hasTarget ? z[target] : 0f;
        var rs = PassA(z, null, v, TeacherMode.None, ce, st, sc);
        hard = hasTarget ? (float)(rs.LseZ - zy) : 0f;
        float kh = hasTarget ? st.KH : 0f;

        bool bucket = st.Tail == SparseTail.Bucket;
        int nb = bucket ? k + 1 : k;
        var buf = sc.Buckets.AsSpan();
        var pv = buf.Slice(0, nb);         // (nb) student probabilities per bucket
        var qv = buf.Slice(nb, nb);        // (nb) teacher probabilities per bucket
        var lp = buf.Slice(2 * nb, nb);    // (nb) their logs
        var lq = buf.Slice(3 * nb, nb);
        var g = buf.Slice(4 * nb, nb);     // (nb) dL/dP per bucket
        double sumP = 0, maxB = double.NegativeInfinity;
        badTeacher = !float.IsFinite(lseT);
        for (int j = 0; j < k; j++)
        {
            lp[j] = z[ids[j]] * st.InvT - rs.LseA;   // gathered before dz is written
            pv[j] = Math.Exp(lp[j]);
            sumP += pv[j];
            float zj = ztk[j];
            badTeacher |= !float.IsFinite(zj);
            lq[j] = zj * st.InvT;
            maxB = Math.Max(maxB, lq[j]);
        }
        if (bucket)
        {
            double sumQ = 0;
            for (int j = 0; j < k; j++)
            {
                lq[j] -= lseT;
                qv[j] = Math.Exp(lq[j]);
                sumQ += qv[j];
            }
            double cq = Math.Clamp(sumQ, SparseBuckets.TailEps, 1 - SparseBuckets.TailEps);
            double cp = Math.Clamp(sumP, SparseBuckets.TailEps, 1 - SparseBuckets.TailEps);
            qv[k] = 1 - cq;
            lq[k] = Math.Log(-cq + 1);
            pv[k] = 1 - cp;
            lp[k] = Math.Log(-cp + 1);
        }
        else
        {
            double sum = 0;
            for (int j = 0; j < k; j++) sum += Math.Exp(lq[j] - maxB);
            double lseK = maxB + Math.Log(sum);
            for (int j = 0; j < k; j++)
            {
                lq[j] -= lseK;
                qv[j] = Math.Exp(lq[j]);
            }
        }
        soft = (float)SparseBuckets.Evaluate(st, pv, qv, lp, lq, g);
        if (dz == null) return;

        // dL/dz_i = (1/T) p_i (G_i - S): G_i = g_j on id j, the tail's g elsewhere (when the tail is live:
        // a clamped tail is a constant), S = sum_i p_i G_i = sum_j P_j g_j + g_tail (1 - sum_j P_j).
        bool tailLive = bucket && sumP > SparseBuckets.TailEps && sumP < 1 - SparseBuckets.TailEps;
        double g0 = tailLive ? g[k] : 0;
        double dot = g0 * (1 - sumP);
        for (int j = 0; j < k; j++) dot += pv[j] * g[j];
        var wp = new GradWritePass
        {
            Z = z, P = sc.Ea, G = null, Dz = dz, Ce = ce, Uniform = (float)g0, Dot = (float)dot,
            KS = st.KS, KH = kh, HardC = HardConstant(ce, rs),
        };
        for (int b = 0, i0 = 0; i0 < v; b++, i0 += Block)
        {
            wp.Fa = (float)Math.Exp(sc.OffA[b] - rs.LseA);
            RowSweep.Run(ref wp, (nuint)i0, (nuint)Math.Min(v, i0 + Block));
        }
        for (int j = 0; j < k; j++) dz[ids[j]] += (float)(st.KS * pv[j] * (g[j] - g0));
        if (ce != CeMode.None) dz[target] -= kh;
    }

    /// <summary>exp(2 lse_T - lse_1) for CeMode.Square, lse_1 for CeMode.Exp (see RowSweep.HardSoftmax).</summary>
    private static float HardConstant(CeMode ce, in RowStats rs) => ce switch
    {
        CeMode.Square => (float)Math.Exp(2 * rs.LseA - rs.LseZ),
        CeMode.Exp => (float)rs.LseZ,
        _ => 0f,
    };

    /// <summary>Pass B (loss, sum p g, p and g stored) and pass C (dz) of a g-divergence; returns the loss.</summary>
    private static float GradRow<TD>(TD divergence, float* z, float* zt, int v, float* dz, CeMode ce, float kh, float hardC,
        in DistillRowSetup st, in RowStats rs, CpuDistillScratch sc) where TD : struct, IGradDivergence
    {
        var pb = new GradStorePass<TD>
        {
            Z = z, Zt = zt, Ea = sc.Ea, Eb = sc.Eb, Divergence = divergence, InvT = st.InvT,
            LseA = (float)rs.LseA, LseB = (float)rs.LseB,
        };
        for (int k = 0, i0 = 0; i0 < v; k++, i0 += Block)
        {
            pb.Fa = (float)Math.Exp(sc.OffA[k] - rs.LseA);
            pb.Fb = (float)Math.Exp(sc.OffB[k] - rs.LseB);
            RowSweep.Run(ref pb, (nuint)i0, (nuint)Math.Min(v, i0 + Block));
        }
        if (dz != null)
        {
            var pc = new GradWritePass
            {
                Z = z, P = sc.Ea, G = sc.Eb, Dz = dz, Ce = ce, Fa = 1f, Dot = pb.Dot, KS = st.KS, KH = kh, HardC = hardC,
            };
            RowSweep.Run(ref pc, 0, (nuint)v);
        }
        return pb.Loss;
    }

    /// <summary>
    /// Pass A: block by block, the maxima, then the stored exps and sums relative to the running maxima
    /// (sums rescaled when a maximum rises); OffA/OffB[block] keep the shifts each block used.
    /// </summary>
    private static RowStats PassA(float* z, float* zt, int v, TeacherMode teacher, CeMode ce, in DistillRowSetup st, CpuDistillScratch sc)
    {
        float invT = st.InvT;
        var mx = new BlockMaxPass { Z = z, Zt = zt, Teacher = teacher, TaidT = st.TaidT };
        var ex = new ExpPass
        {
            Z = z, Zt = zt, Ea = sc.Ea, Eb = sc.Eb, Teacher = teacher, Ce = ce, InvT = invT, TaidT = st.TaidT,
            ShiftA = float.NegativeInfinity, ShiftB = float.NegativeInfinity, ShiftZ = float.NegativeInfinity,
        };
        for (int k = 0, i0 = 0; i0 < v; k++, i0 += Block)
        {
            nuint start = (nuint)i0, end = (nuint)Math.Min(v, i0 + Block);
            mx.MaxZ = mx.MaxT = float.NegativeInfinity;
            RowSweep.Run(ref mx, start, end);
            if (mx.MaxZ > ex.ShiftZ)
            {
                float shiftA = mx.MaxZ * invT;   // max(z) / T = max(z / T): scaling by 1/T > 0 keeps the order
                ex.SumA *= MathF.Exp(ex.ShiftA - shiftA);
                ex.SumZ *= MathF.Exp(ex.ShiftZ - mx.MaxZ);
                ex.ShiftA = shiftA;
                ex.ShiftZ = mx.MaxZ;
            }
            float shiftB = mx.MaxT * invT;
            if (shiftB > ex.ShiftB)
            {
                ex.SumB *= MathF.Exp(ex.ShiftB - shiftB);
                ex.ShiftB = shiftB;
            }
            RowSweep.Run(ref ex, start, end);
            sc.OffA[k] = ex.ShiftA;
            sc.OffB[k] = ex.ShiftB;
        }
        var rs = new RowStats { LseA = ex.ShiftA + Math.Log(ex.SumA), Probe = ex.Probe };
        rs.LseB = teacher == TeacherMode.None ? 0 : ex.ShiftB + Math.Log(ex.SumB);
        rs.LseZ = ce switch
        {
            CeMode.Same => rs.LseA,
            CeMode.None => 0,
            _ => ex.ShiftZ + Math.Log(ex.SumZ),
        };
        return rs;
    }
}
