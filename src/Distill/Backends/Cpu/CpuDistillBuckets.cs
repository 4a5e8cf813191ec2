// The divergences over the few buckets of a sparse (top-k) teacher, in double: the k ids, plus the tail
// bucket under SparseTail.Bucket. Returns the loss and dL/dP per bucket (the row kernel chains it
// through the student softmax). With the Renormalize tail the student side is not renormalised (it keeps
// its full-vocabulary log-sum-exp), so constant terms of dL/dP (the +1 of the reverse KLs) matter here.
using Distill.Losses;

namespace Distill.Backends.Cpu;

internal static class SparseBuckets
{
    /// <summary>Tail masses are clamped to [eps, 1 - eps] before their log (as DistillKit does), so an empty or full tail stays finite.</summary>
    public const double TailEps = 1e-8;

    /// <summary>Loss over the buckets and g = dL/dP; p, q the bucket probabilities, lp, lq their logs.</summary>
    public static double Evaluate(in DistillRowSetup st, ReadOnlySpan<double> p, ReadOnlySpan<double> q,
        ReadOnlySpan<double> lp, ReadOnlySpan<double> lq, Span<double> g)
    {
        double loss = 0;
        int n = p.Length;
        switch (st.Kind)
        {
            case Divergence.ForwardKl:
                for (int b = 0; b < n; b++)
                {
                    if (q[b] > 0) loss += q[b] * (lq[b] - lp[b]);
                    g[b] = -q[b] / p[b];
                }
                break;
            case Divergence.ReverseKl:
                for (int b = 0; b < n; b++)
                {
                    if (p[b] > 0) loss += p[b] * (lp[b] - lq[b]);
                    g[b] = lp[b] - lq[b] + 1;
                }
                break;
            case Divergence.Jsd:
            {
                double beta = st.Beta;
                for (int b = 0; b < n; b++)
                {
                    double m = beta * q[b] + (1 - beta) * p[b];
                    double lm = Math.Log(m);
                    if (q[b] > 0) loss += beta * q[b] * (lq[b] - lm);
                    if (p[b] > 0) loss += (1 - beta) * p[b] * (lp[b] - lm);
                    g[b] = m > 0 ? (1 - beta) * (lp[b] - lm) : 0;
                }
                break;
            }
            case Divergence.SkewKl:
            {
                double alpha = st.Alpha;
                for (int b = 0; b < n; b++)
                {
                    double r = alpha * q[b] + (1 - alpha) * p[b];
                    if (q[b] > 0) loss += q[b] * (lq[b] - Math.Log(r));
                    g[b] = r > 0 ? -(1 - alpha) * q[b] / r : 0;
                }
                break;
            }
            case Divergence.SkewReverseKl:
            {
                double alpha = st.Alpha;
                for (int b = 0; b < n; b++)
                {
                    double r = (1 - alpha) * q[b] + alpha * p[b];
                    double lr = Math.Log(r);
                    if (p[b] > 0) loss += p[b] * (lp[b] - lr);
                    g[b] = r > 0 ? lp[b] + 1 - lr - alpha * p[b] / r : 0;
                }
                break;
            }
            case Divergence.TotalVariation:
                for (int b = 0; b < n; b++)
                {
                    loss += 0.5 * Math.Abs(q[b] - p[b]);
                    g[b] = 0.5 * Math.Sign(p[b] - q[b]);
                }
                break;
            case Divergence.Taid:
            {
                // Interpolated target over the buckets: softmax((1-t) log P + t log Q), i.e. the logit-space
                // interpolation of the dense case; held constant (stop-gradient), L = -sum target log P.
                double t = st.TaidT, max = double.NegativeInfinity, sum = 0;
                for (int b = 0; b < n; b++) max = Math.Max(max, (1 - t) * lp[b] + t * lq[b]);
                for (int b = 0; b < n; b++) sum += Math.Exp((1 - t) * lp[b] + t * lq[b] - max);
                double lse = max + Math.Log(sum);
                for (int b = 0; b < n; b++)
                {
                    double target = Math.Exp((1 - t) * lp[b] + t * lq[b] - lse);
                    loss -= target * lp[b];
                    g[b] = -target / p[b];
                }
                break;
            }
            default: throw new ArgumentOutOfRangeException(nameof(st), st.Kind, "DistillLossSparse: unknown divergence");
        }
        return loss;
    }
}
