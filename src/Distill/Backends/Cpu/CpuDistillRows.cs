// One row of the fused distillation loss (LOSSES.md). Pass A is an online softmax in blocks: exp(a - max)
// and exp(b - max) against running maxima (the first block finds its maxima first; later ones track theirs
// on the way and rescale the sums when a maximum rises), stored in per-thread scratch with the sums of both
// distributions and the student's T = 1 sum, so every log-sum-exp comes from that one read of the row
// (forward KL and TAID also sum their loss there), the next block's logits prefetched meanwhile. Pass B turns
// the stored exps into p and q (one factor per block): for forward KL and TAID it writes dz = (p - q) / T,
// deferred into the next row's pass A so its stores drain while that row computes; the other divergences
// sum the loss and store p and g = dD/dp, and pass C writes p (g - sum p g) / T.
// dz may alias the student logits: every pass reads z[i] before it writes dz[i], and z[target] first.
using Distill.Losses;

namespace Distill.Backends.Cpu;

/// <summary>The per-call constants of the row kernel, with the exact special cases resolved.</summary>
internal readonly struct DistillRowSetup
{
    public readonly Divergence Kind;
    public readonly float Beta, Alpha, TaidT, InvT, Temperature;
    /// <summary>softScale / T and hardScale: the factors of dD/dp-chain and of dCE/dz in dz.</summary>
    public readonly float KS, KH;
    /// <summary>The hard part's mode for rows with a target (None without targets).</summary>
    public readonly CeMode Ce;
    public readonly SparseTail Tail;
    /// <summary>Write dz with non-temporal stores (a gradient too big to stay in cache for its consumer).</summary>
    public readonly bool Stream;

    /// <summary>Gradients at least this big bypass the caches: the last-level cache could not keep them for the next op anyway.</summary>
    public const long StreamingBytes = 32L << 20;

    public DistillRowSetup(DistillLossOptions o, bool hasTargets, float softScale, float hardScale, long gradientBytes = 0)
    {
        Stream = gradientBytes >= StreamingBytes;
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
        Temperature = o.Temperature;
        InvT = 1f / o.Temperature;
        KS = softScale * InvT;
        KH = hasTargets ? hardScale : 0f;
        Ce = !hasTargets ? CeMode.None : o.Temperature == 1f ? CeMode.Same : o.Temperature == 2f ? CeMode.Square : CeMode.Exp;
        Tail = o.Tail;
    }
}

/// <summary>
/// A forward-KL / TAID row whose gradient write (pass B) is deferred into the next row's pass A, slice by
/// slice, so its stores drain to memory while the next row's exps compute (software pipelining of rows).
/// </summary>
internal unsafe struct PendingWrite
{
    public bool Active;
    public TargetGradPass Pass;
    public float* OffA, OffB;
    public double LseA, LseB;
    /// <summary>The row's target (-1: none) and hard scale: dz[target] -= KH once the row is written.</summary>
    public int Target;
    public float KH;

    /// <summary>Sets the block's factors p = fa ea, q = fb eb.</summary>
    public void SetBlock(int k)
    {
        Pass.Fa = (float)Math.Exp(OffA[k] - LseA);
        Pass.Fb = (float)Math.Exp(OffB[k] - LseB);
    }

    /// <summary>After every block is written: the hard part's -KH at the target.</summary>
    public void Finish()
    {
        if (Target >= 0) Pass.Dz[Target] -= KH;
        Active = false;
    }

    /// <summary>Writes the whole row now (end of a run of rows).</summary>
    public void Flush(int v)
    {
        if (!Active) return;
        for (int k = 0, i0 = 0; i0 < v; k++, i0 += CpuDistillRows.Block)
        {
            SetBlock(k);
            RowSweep.Run(ref Pass, (nuint)i0, (nuint)Math.Min(v, i0 + CpuDistillRows.Block));
        }
        Finish();
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
        /// <summary>log of the final sums: lse = shift + log sum.</summary>
        public double LogSumA, LogSumB;
        /// <summary>sum q ((b - shift_T) - (a - shift_S)) (forward KL) or sum q (a - shift_S) (TAID), when pass A was asked for it.</summary>
        public double Weighted;
        /// <summary>The pass-A probe saw only finite values (false: some teacher, or for forward KL possibly student, logit is not).</summary>
        public bool TeacherFinite;
    }

    /// <summary>
    /// Dense teacher row: soft and hard losses, dz (when not null), and whether the teacher row is not finite.
    /// pending: the previous row's deferred write, done during this row's pass A; a forward-KL / TAID row
    /// leaves its own there (the caller flushes the last one).
    /// </summary>
    public static void Dense(float* z, float* zt, int v, bool hasTarget, int target, float* dz, in DistillRowSetup st,
        CpuDistillScratch sc, ref PendingWrite pending, out float soft, out float hard, out bool badTeacher)
    {
        var ce = hasTarget ? st.Ce : CeMode.None;
        float zy = hasTarget ? z[target] : 0f;   // before any write: dz may alias z
        bool taid = st.Kind == Divergence.Taid;
        bool weighted = st.Kind is Divergence.ForwardKl or Divergence.Taid;
        var buf = sc.Row;
        var rs = PassA(z, zt, v, taid ? TeacherMode.Taid : TeacherMode.Dense, ce, weighted, st, buf, ref pending);
        badTeacher = !rs.TeacherFinite && !AllFinite(zt, v);   // the probe can also trip on a non-finite student: look
        hard = hasTarget ? (float)(rs.LseZ - zy) : 0f;
        float hardC = HardConstant(ce, rs);
        float kh = hasTarget ? st.KH : 0f;
        switch (st.Kind)
        {
            case Divergence.ForwardKl:
            case Divergence.Taid:
                // Weighted = sum q ((b - shift_T) - (a - shift_S)) or sum q (a - shift_S) (q the TAID target):
                // forward KL = that + log SumS - log SumT; TAID = -sum q s = log SumS - that.
                soft = (float)(taid ? rs.LogSumA - rs.Weighted : rs.Weighted + rs.LogSumA - rs.LogSumB);
                if (dz == null) break;
                pending = new PendingWrite
                {
                    Active = true,
                    Pass = new TargetGradPass { Z = z, Ea = buf.Ea, Eb = buf.Eb, Dz = dz, Ce = ce, KS = st.KS, KH = kh, HardC = hardC, Stream = st.Stream },
                    OffA = buf.OffA, OffB = buf.OffB, LseA = rs.LseA, LseB = rs.LseB, Target = ce != CeMode.None ? target : -1, KH = kh,
                };
                sc.Flip();   // these buffers now belong to the pending write
                return;
            case Divergence.ReverseKl: soft = GradRow(default(ReverseKlElement), z, zt, v, dz, ce, kh, hardC, st, rs, buf); break;
            case Divergence.Jsd: soft = GradRow(new JsdElement(st.Beta), z, zt, v, dz, ce, kh, hardC, st, rs, buf); break;
            case Divergence.SkewKl: soft = GradRow(new SkewKlElement(st.Alpha), z, zt, v, dz, ce, kh, hardC, st, rs, buf); break;
            case Divergence.SkewReverseKl: soft = GradRow(new SkewReverseKlElement(st.Alpha), z, zt, v, dz, ce, kh, hardC, st, rs, buf); break;
            case Divergence.TotalVariation: soft = GradRow(default(TotalVariationElement), z, zt, v, dz, ce, kh, hardC, st, rs, buf); break;
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
        var buf = sc.Row;
        var none = default(PendingWrite);
        var rs = PassA(z, null, v, TeacherMode.None, ce, false, st, buf, ref none);
        hard = hasTarget ? (float)(rs.LseZ - zy) : 0f;
        float kh = hasTarget ? st.KH : 0f;

        bool bucket = st.Tail == SparseTail.Bucket;
        int nb = bucket ? k + 1 : k;
        var buckets = sc.Buckets.AsSpan();
        var pv = buckets.Slice(0, nb);         // (nb) student probabilities per bucket
        var qv = buckets.Slice(nb, nb);        // (nb) teacher probabilities per bucket
        var lp = buckets.Slice(2 * nb, nb);    // (nb) their logs
        var lq = buckets.Slice(3 * nb, nb);
        var g = buckets.Slice(4 * nb, nb);     // (nb) dL/dP per bucket
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
            Z = z, P = buf.Ea, G = null, Dz = dz, Ce = ce, Uniform = (float)g0, Dot = (float)dot,
            KS = st.KS, KH = kh, HardC = HardConstant(ce, rs), Stream = st.Stream,
        };
        for (int b = 0, i0 = 0; i0 < v; b++, i0 += Block)
        {
            wp.Fa = (float)Math.Exp(buf.OffA[b] - rs.LseA);
            RowSweep.Run(ref wp, (nuint)i0, (nuint)Math.Min(v, i0 + Block));
        }
        for (int j = 0; j < k; j++) dz[ids[j]] += (float)(st.KS * pv[j] * (g[j] - g0));
        if (ce != CeMode.None) dz[target] -= kh;
    }

    /// <summary>Floats per interleaved slice of pass A and the pending write (stores drain while exps compute).</summary>
    private const int Slice = 512;

    /// <summary>Pass A over [start, end), with the pending row's write of the same block interleaved slice by slice.</summary>
    private static void ExpWithPending(ref ExpPass ex, nuint start, nuint end, ref PendingWrite pending, int k)
    {
        if (!pending.Active)
        {
            RowSweep.Run(ref ex, start, end);
            return;
        }
        pending.SetBlock(k);
        for (nuint s = start; s < end; s += Slice)
        {
            nuint e = Math.Min(end, s + Slice);
            RowSweep.Run(ref ex, s, e);
            RowSweep.Run(ref pending.Pass, s, e);
        }
    }

    /// <summary>Largest exponent a lazily exponentiated block may reach over its shift (e^40 ~ 2e17).</summary>
    private const float LazyMargin = 40f;

    /// <summary>
    /// Raises the running shifts to these raw maxima (when higher), rescaling the sums taken against the old
    /// ones; Weighted's arguments move with the shifts (a - shift_S down by the rise: forward KL's term up, TAID's down).
    /// </summary>
    private static void Raise(ref ExpPass ex, float maxZ, float maxT, float invT)
    {
        if (maxZ > ex.ShiftZ)
        {
            float shiftA = maxZ * invT;   // max(z) / T = max(z / T): scaling by 1/T > 0 keeps the order
            if (ex.WeightedSum && ex.SumB != 0)
                ex.Weighted += (ex.Teacher == TeacherMode.Taid ? -1 : 1) * (shiftA - ex.ShiftA) * ex.SumB;
            ex.SumA *= MathF.Exp(ex.ShiftA - shiftA);
            ex.SumZ *= MathF.Exp(ex.ShiftZ - maxZ);
            ex.ShiftA = shiftA;
            ex.ShiftZ = maxZ;
        }
        float shiftB = maxT * invT;
        if (shiftB > ex.ShiftB)
        {
            float f = MathF.Exp(ex.ShiftB - shiftB);
            if (ex.WeightedSum && ex.Teacher == TeacherMode.Dense && ex.SumB != 0) ex.Weighted -= (shiftB - ex.ShiftB) * ex.SumB;
            ex.SumB *= f;
            ex.Weighted *= f;
            ex.ShiftB = shiftB;
        }
    }

    private static bool AllFinite(float* x, int n)
    {
        for (int i = 0; i < n; i++)
            if (!float.IsFinite(x[i])) return false;
        return true;
    }

    /// <summary>exp(2 lse_T - lse_1) for CeMode.Square, lse_1 for CeMode.Exp (the hard softmax is p^2 exp(2 lse_T - lse_1) or exp(z - lse_1)).</summary>
    private static float HardConstant(CeMode ce, in RowStats rs) => ce switch
    {
        CeMode.Square => (float)Math.Exp(2 * rs.LseA - rs.LseZ),
        CeMode.Exp => (float)rs.LseZ,
        _ => 0f,
    };

    /// <summary>Pass B (loss, sum p g, p and g stored) and pass C (dz) of a g-divergence; returns the loss.</summary>
    private static float GradRow<TD>(TD divergence, float* z, float* zt, int v, float* dz, CeMode ce, float kh, float hardC,
        in DistillRowSetup st, in RowStats rs, CpuDistillRowBuffers sc) where TD : struct, IGradDivergence
    {
        var pb = new GradStorePass<TD> { Z = z, Zt = zt, Ea = sc.Ea, Eb = sc.Eb, Divergence = divergence, InvT = st.InvT };
        for (int k = 0, i0 = 0; i0 < v; k++, i0 += Block)
        {
            pb.ShiftA = sc.OffA[k];
            pb.ShiftB = sc.OffB[k];
            pb.CA = (float)(sc.OffA[k] - rs.LseA);
            pb.CB = (float)(sc.OffB[k] - rs.LseB);
            pb.Fa = (float)Math.Exp(pb.CA);
            pb.Fb = (float)Math.Exp(pb.CB);
            RowSweep.Run(ref pb, (nuint)i0, (nuint)Math.Min(v, i0 + Block));
        }
        if (dz != null)
        {
            var pc = new GradWritePass
            {
                Z = z, P = sc.Ea, G = sc.Eb, Dz = dz, Ce = ce, Fa = 1f, Dot = pb.Dot, KS = st.KS, KH = kh, HardC = hardC,
                Stream = st.Stream,
            };
            RowSweep.Run(ref pc, 0, (nuint)v);
        }
        return pb.Loss;
    }

    /// <summary>
    /// Pass A: block by block, the stored exps and sums relative to running maxima (sums rescaled when a
    /// maximum rises); OffA/OffB[block] keep the shifts each block used. The first block finds its maxima
    /// first; later blocks exponentiate against the running maxima and track their own on the way (exps
    /// up to e^LazyMargin are fine), redoing the block the first way in the rare case it rose further.
    /// </summary>
    private static RowStats PassA(float* z, float* zt, int v, TeacherMode teacher, CeMode ce, bool weighted, in DistillRowSetup st,
        CpuDistillRowBuffers sc, ref PendingWrite pending)
    {
        float invT = st.InvT;
        // A block's exps may reach e^LazyMargin over its shift; the T = 1 sum's reach e^(T LazyMargin) (or
        // squared), so the raw-logit margin is capped too: every stored value stays far from float overflow.
        float marginZ = Math.Min(LazyMargin * st.Temperature, 2 * LazyMargin);
        var mx = new BlockMaxPass { Z = z, Zt = zt, Teacher = teacher, TaidT = st.TaidT };
        var ex = new ExpPass
        {
            Z = z, Zt = zt, Ea = sc.Ea, Eb = sc.Eb, Teacher = teacher, Ce = ce, WeightedSum = weighted, InvT = invT, TaidT = st.TaidT,
            Probe = teacher != TeacherMode.None && !(weighted && teacher == TeacherMode.Dense), Prefetch = true,
            ShiftA = float.NegativeInfinity, ShiftB = float.NegativeInfinity, ShiftZ = float.NegativeInfinity,
        };
        for (int k = 0, i0 = 0; i0 < v; k++, i0 += Block)
        {
            nuint start = (nuint)i0, end = (nuint)Math.Min(v, i0 + Block);
            if (k > 0)
            {
                var before = ex;
                ex.TrackMax = true;
                ex.MaxZ = ex.MaxT = float.NegativeInfinity;
                ExpWithPending(ref ex, start, end, ref pending, k);
                ex.TrackMax = false;
                if (!(ex.MaxZ - ex.ShiftZ > marginZ || ex.MaxT * invT - ex.ShiftB > LazyMargin))
                {
                    sc.OffA[k] = ex.ShiftA;
                    sc.OffB[k] = ex.ShiftB;
                    Raise(ref ex, ex.MaxZ, ex.MaxT, invT);
                    continue;
                }
                ex = before;   // rose too far for the stored exps: redo the block with its maxima first
            }
            mx.MaxZ = mx.MaxT = float.NegativeInfinity;
            RowSweep.Run(ref mx, start, end);
            Raise(ref ex, mx.MaxZ, mx.MaxT, invT);
            if (k == 0) ExpWithPending(ref ex, start, end, ref pending, k);
            else RowSweep.Run(ref ex, start, end);   // a redo: the pending write already did this block
            sc.OffA[k] = ex.ShiftA;
            sc.OffB[k] = ex.ShiftB;
        }
        if (pending.Active) pending.Finish();
        var rs = new RowStats
        {
            LogSumA = Math.Log(ex.SumA), LogSumB = Math.Log(ex.SumB), Weighted = weighted ? (double)ex.Weighted / ex.SumB : 0,
            TeacherFinite = float.IsFinite(ex.SumB) && float.IsFinite(ex.Weighted),
        };
        rs.LseA = ex.ShiftA + rs.LogSumA;
        rs.LseB = teacher == TeacherMode.None ? 0 : ex.ShiftB + rs.LogSumB;
        rs.LseZ = ce switch
        {
            CeMode.Same => rs.LseA,
            CeMode.None => 0,
            _ => ex.ShiftZ + Math.Log(ex.SumZ),
        };
        return rs;
    }
}
