// Plain scalar twins of the fused distillation losses: materialise the softmaxes and log-softmaxes of a
// row (log p from the log-sum-exp), then apply LOSSES.md's formulas term by term, and the gradient by
// the chain rule through the softmax. Unfused, unoptimised, generic over the float type so tests can
// run them in double (finite differences) and compare the fused kernel against them.
using System.Numerics;
using Distill.Losses;

namespace Distill.Backends.Cpu;

public static partial class CpuReference
{
    /// <summary>Tail masses of the sparse Bucket convention are clamped to [eps, 1 - eps] (as the kernel, and DistillKit, do).</summary>
    public const double DistillTailEps = 1e-8;

    /// <summary>
    /// Dense teacher, rows of V: softLoss (N) = D(p_T, p_S) at options.Temperature, hardLoss (N) = -log p_S(target)
    /// at T = 1 (0 when targets is empty), both 0 on rows whose target is the ignore index. When dStudent
    /// (N, V) is not empty it receives softScale dD/dz_S + hardScale dCE/dz_S (0 on ignored rows).
    /// taidAnchor (default: the student) is the stop-gradient copy of the student in TAID's target, so a
    /// finite-difference test can hold it still.
    /// </summary>
    public static void DistillLoss<T>(ReadOnlySpan<T> student, ReadOnlySpan<T> teacher, ReadOnlySpan<int> targets, int v,
        DistillLossOptions options, Span<T> softLoss, Span<T> hardLoss, Span<T> dStudent, T softScale, T hardScale,
        ReadOnlySpan<T> taidAnchor = default) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = softLoss.Length;
        var temp = T.CreateChecked(options.Temperature);
        if (taidAnchor.IsEmpty) taidAnchor = student;
        for (int r = 0; r < rows; r++)
        {
            var z = student.Slice(r * v, v);
            var dz = dStudent.IsEmpty ? default : dStudent.Slice(r * v, v);
            if (!targets.IsEmpty && targets[r] == options.IgnoreIndex)
            {
                softLoss[r] = hardLoss[r] = T.Zero;
                dz.Clear();
                continue;
            }
            var s = LogSoftmaxAt(z, temp);                            // (V) log p_S
            var t = LogSoftmaxAt(teacher.Slice(r * v, v), temp);      // (V) log p_T
            var p = Exp(s);
            var q = Exp(t);
            var grad = new T[v];                                      // (V) dD/dz_S
            softLoss[r] = SoftRow(options, z, taidAnchor.Slice(r * v, v), teacher.Slice(r * v, v), temp, p, q, s, t, grad);
            hardLoss[r] = HardRow(z, targets, r, out var hardGrad);
            if (dz.IsEmpty) continue;
            for (int i = 0; i < v; i++)
                dz[i] = softScale * grad[i] + (hardGrad is null ? T.Zero : hardScale * hardGrad[i]);
        }
    }

    /// <summary>
    /// Sparse top-k teacher: teacherIds, teacherLogits (N, k), teacherLse (N) = log-sum-exp of all teacher
    /// logits / T. Renormalize: the teacher's k probabilities renormalised, against the student's p on those
    /// ids; Bucket: the k true probabilities plus a tail bucket 1 - sum (teacher) and 1 - sum p_S over the
    /// ids (student), each clamped to [eps, 1 - eps]. The student uses its full-vocabulary softmax.
    /// </summary>
    public static void DistillLossSparse<T>(ReadOnlySpan<T> student, ReadOnlySpan<int> teacherIds, ReadOnlySpan<T> teacherLogits,
        ReadOnlySpan<T> teacherLse, ReadOnlySpan<int> targets, int v, DistillLossOptions options, Span<T> softLoss, Span<T> hardLoss,
        Span<T> dStudent, T softScale, T hardScale, ReadOnlySpan<T> taidAnchor = default) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = softLoss.Length;
        int k = rows == 0 ? 0 : teacherIds.Length / rows;
        var temp = T.CreateChecked(options.Temperature);
        var eps = T.CreateChecked(DistillTailEps);
        bool bucket = options.Tail == SparseTail.Bucket;
        int nb = bucket ? k + 1 : k;
        if (taidAnchor.IsEmpty) taidAnchor = student;
        for (int r = 0; r < rows; r++)
        {
            var z = student.Slice(r * v, v);
            var dz = dStudent.IsEmpty ? default : dStudent.Slice(r * v, v);
            if (!targets.IsEmpty && targets[r] == options.IgnoreIndex)
            {
                softLoss[r] = hardLoss[r] = T.Zero;
                dz.Clear();
                continue;
            }
            var ids = teacherIds.Slice(r * k, k);
            var s = LogSoftmaxAt(z, temp);                      // (V) log p_S over the whole vocabulary
            var p = Exp(s);
            var sAnchor = LogSoftmaxAt(taidAnchor.Slice(r * v, v), temp);
            var bp = new T[nb];                                 // (nb) student per bucket
            var blp = new T[nb];
            var blpAnchor = new T[nb];
            var bq = new T[nb];                                 // (nb) teacher per bucket
            var blq = new T[nb];
            var b = new T[k];                                   // (k) teacher logits / T
            for (int j = 0; j < k; j++)
            {
                bp[j] = p[ids[j]];
                blp[j] = s[ids[j]];
                blpAnchor[j] = sAnchor[ids[j]];
                b[j] = teacherLogits[r * k + j] / temp;
            }
            T sumP = T.Zero;
            for (int j = 0; j < k; j++) sumP += bp[j];
            bool tailLive = false;
            if (bucket)
            {
                T sumQ = T.Zero;
                for (int j = 0; j < k; j++)
                {
                    blq[j] = b[j] - teacherLse[r];
                    bq[j] = T.Exp(blq[j]);
                    sumQ += bq[j];
                }
                bq[k] = T.One - T.Clamp(sumQ, eps, T.One - eps);
                blq[k] = T.Log(bq[k]);
                bp[k] = T.One - T.Clamp(sumP, eps, T.One - eps);
                blp[k] = T.Log(bp[k]);
                T sumAnchor = T.Zero;
                for (int j = 0; j < k; j++) sumAnchor += T.Exp(blpAnchor[j]);
                blpAnchor[k] = T.Log(T.One - T.Clamp(sumAnchor, eps, T.One - eps));
                tailLive = sumP > eps && sumP < T.One - eps;
            }
            else
            {
                var lse = LogSumExp<T>(b);
                for (int j = 0; j < k; j++)
                {
                    blq[j] = b[j] - lse;
                    bq[j] = T.Exp(blq[j]);
                }
            }
            var g = new T[nb];                                  // (nb) dD/dP per bucket
            softLoss[r] = options.Divergence == Losses.Divergence.Taid
                ? TaidOverBuckets(T.CreateChecked(options.TaidT), bp, blp, blpAnchor, blq, g)
                : DivergenceOf(options, bp, bq, blp, blq, g);
            hardLoss[r] = HardRow(z, targets, r, out var hardGrad);
            if (dz.IsEmpty) continue;
            // dD/dp_i over the vocabulary: g_j on id j; the tail (P_tail = 1 - sum_j p_{id_j}) adds -g_tail on every id.
            var dp = new T[v];
            for (int j = 0; j < k; j++) dp[ids[j]] += g[j] - (tailLive ? g[k] : T.Zero);
            var grad = SoftmaxChain(p, dp, temp);
            for (int i = 0; i < v; i++)
                dz[i] = softScale * grad[i] + (hardGrad is null ? T.Zero : hardScale * hardGrad[i]);
        }
    }

    /// <summary>The soft divergence of one dense row and grad = dD/dz_S.</summary>
    private static T SoftRow<T>(DistillLossOptions o, ReadOnlySpan<T> z, ReadOnlySpan<T> anchor, ReadOnlySpan<T> zt, T temp,
        T[] p, T[] q, T[] s, T[] t, T[] grad) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int v = p.Length;
        var kind = o.Divergence == Losses.Divergence.Jsd && o.Beta == 0f ? Losses.Divergence.ForwardKl
            : o.Divergence == Losses.Divergence.Jsd && o.Beta == 1f ? Losses.Divergence.ReverseKl
            : o.Divergence;
        T loss = T.Zero;
        switch (kind)
        {
            case Losses.Divergence.ForwardKl:   // sum p_T (log p_T - log p_S); (p_S - p_T) / T
                for (int i = 0; i < v; i++)
                {
                    loss += q[i] * (t[i] - s[i]);
                    grad[i] = (p[i] - q[i]) / temp;
                }
                return loss;
            case Losses.Divergence.ReverseKl:   // sum p_S (log p_S - log p_T); p_S (s - t - KL) / T
                for (int i = 0; i < v; i++) loss += p[i] * (s[i] - t[i]);
                for (int i = 0; i < v; i++) grad[i] = p[i] * (s[i] - t[i] - loss) / temp;
                return loss;
            case Losses.Divergence.Taid:        // -sum p_t log p_S, p_t = softmax((1-t) stopgrad(z_S) + t z_T) at T; (p_S - p_t) / T
            {
                var tt = T.CreateChecked(o.TaidT);
                var mix = new T[v];
                for (int i = 0; i < v; i++) mix[i] = (T.One - tt) * anchor[i] + tt * zt[i];
                var target = Exp(LogSoftmaxAt<T>(mix, temp));
                for (int i = 0; i < v; i++)
                {
                    loss -= target[i] * s[i];
                    grad[i] = (p[i] - target[i]) / temp;
                }
                return loss;
            }
            default:
            {
                var g = new T[v];
                loss = DivergenceOf(o, p, q, s, t, g);
                SoftmaxChain(p, g, temp).CopyTo(grad, 0);
                return loss;
            }
        }
    }

    /// <summary>
    /// JSD / skew KL / skew reverse KL / total variation (and the KLs, for the buckets) over two discrete
    /// distributions, with g = dD/dp exactly (constants included).
    /// </summary>
    private static T DivergenceOf<T>(DistillLossOptions o, T[] p, T[] q, T[] lp, T[] lq, T[] g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var beta = T.CreateChecked(o.Beta);
        var alpha = T.CreateChecked(o.Alpha);
        var half = T.CreateChecked(0.5);
        var kind = o.Divergence == Losses.Divergence.Jsd && o.Beta == 0f ? Losses.Divergence.ForwardKl
            : o.Divergence == Losses.Divergence.Jsd && o.Beta == 1f ? Losses.Divergence.ReverseKl
            : o.Divergence;
        T loss = T.Zero;
        for (int i = 0; i < p.Length; i++)
        {
            switch (kind)
            {
                case Losses.Divergence.ForwardKl:
                    loss += q[i] * (lq[i] - lp[i]);
                    g[i] = -q[i] / p[i];
                    break;
                case Losses.Divergence.ReverseKl:
                    loss += p[i] * (lp[i] - lq[i]);
                    g[i] = lp[i] - lq[i] + T.One;
                    break;
                case Losses.Divergence.Jsd:     // beta KL(p_T || M) + (1-beta) KL(p_S || M), M = beta p_T + (1-beta) p_S
                {
                    var m = beta * q[i] + (T.One - beta) * p[i];
                    loss += beta * q[i] * (lq[i] - T.Log(m)) + (T.One - beta) * p[i] * (lp[i] - T.Log(m));
                    g[i] = (T.One - beta) * (lp[i] - T.Log(m));
                    break;
                }
                case Losses.Divergence.SkewKl:  // -sum p_T log(alpha p_T + (1-alpha) p_S) + sum p_T log p_T
                {
                    var mix = alpha * q[i] + (T.One - alpha) * p[i];
                    loss += -q[i] * T.Log(mix) + q[i] * lq[i];
                    g[i] = -(T.One - alpha) * q[i] / mix;
                    break;
                }
                case Losses.Divergence.SkewReverseKl:   // sum p_S (log p_S - log((1-alpha) p_T + alpha p_S))
                {
                    var mix = (T.One - alpha) * q[i] + alpha * p[i];
                    loss += p[i] * (lp[i] - T.Log(mix));
                    g[i] = lp[i] + T.One - T.Log(mix) - alpha * p[i] / mix;
                    break;
                }
                case Losses.Divergence.TotalVariation:  // 1/2 sum |p_T - p_S|, subgradient 0 at equality
                    loss += half * T.Abs(q[i] - p[i]);
                    g[i] = half * T.CreateChecked(T.Sign(p[i] - q[i]));
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(o), o.Divergence, "CpuReference.Distill: not a bucket divergence");
            }
        }
        return loss;
    }

    /// <summary>TAID over buckets: target = softmax((1-t) log P_anchor + t log Q) held still; L = -sum target log P; g = -target / P.</summary>
    private static T TaidOverBuckets<T>(T tt, T[] p, T[] lp, T[] lpAnchor, T[] lq, T[] g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var mix = new T[p.Length];
        for (int i = 0; i < p.Length; i++) mix[i] = (T.One - tt) * lpAnchor[i] + tt * lq[i];
        var target = Exp(LogSoftmaxAt<T>(mix, T.One));
        T loss = T.Zero;
        for (int i = 0; i < p.Length; i++)
        {
            loss -= target[i] * lp[i];
            g[i] = -target[i] / p[i];
        }
        return loss;
    }

    /// <summary>-log softmax(z)[target] at T = 1 and its gradient softmax(z) - onehot; 0 and null without targets.</summary>
    private static T HardRow<T>(ReadOnlySpan<T> z, ReadOnlySpan<int> targets, int r, out T[]? grad) where T : unmanaged, IFloatingPointIeee754<T>
    {
        grad = null;
        if (targets.IsEmpty) return T.Zero;
        int y = targets[r];
        var ls = LogSoftmaxAt(z, T.One);
        grad = Exp(ls);
        grad[y] -= T.One;
        return -ls[y];
    }

    /// <summary>dL/dz = p (dL/dp - sum p dL/dp) / T for p = softmax(z / T).</summary>
    private static T[] SoftmaxChain<T>(T[] p, T[] dp, T temp) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T dot = T.Zero;
        for (int i = 0; i < p.Length; i++) dot += p[i] * dp[i];
        var dz = new T[p.Length];
        for (int i = 0; i < p.Length; i++) dz[i] = p[i] * (dp[i] - dot) / temp;
        return dz;
    }

    /// <summary>log softmax(x / temp) = x / temp - logsumexp(x / temp).</summary>
    private static T[] LogSoftmaxAt<T>(ReadOnlySpan<T> x, T temp) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = new T[x.Length];
        for (int i = 0; i < x.Length; i++) a[i] = x[i] / temp;
        var lse = LogSumExp<T>(a);
        for (int i = 0; i < a.Length; i++) a[i] -= lse;
        return a;
    }

    private static T LogSumExp<T>(ReadOnlySpan<T> a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = T.NegativeInfinity;
        foreach (var x in a) max = T.Max(max, x);
        T sum = T.Zero;
        foreach (var x in a) sum += T.Exp(x - max);
        return max + T.Log(sum);
    }

    private static T[] Exp<T>(T[] x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = new T[x.Length];
        for (int i = 0; i < x.Length; i++) y[i] = T.Exp(x[i]);
        return y;
    }
}
