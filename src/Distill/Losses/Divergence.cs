// The soft-target divergences of ../shared/LOSSES.md (definitions, defaults and gradients there).
namespace Distill.Losses;

public enum Divergence
{
    /// <summary>KL(p_T || p_S) = sum p_T (log p_T - log p_S): Hinton's soft targets.</summary>
    ForwardKl,
    /// <summary>KL(p_S || p_T): mode-seeking (MiniLLM).</summary>
    ReverseKl,
    /// <summary>Generalized JSD(beta): beta KL(p_T || M) + (1-beta) KL(p_S || M), M = beta p_T + (1-beta) p_S (GKD).</summary>
    Jsd,
    /// <summary>Skew KL(alpha): -sum p_T log(alpha p_T + (1-alpha) p_S) + sum p_T log p_T (DistiLLM).</summary>
    SkewKl,
    /// <summary>Skew reverse KL(alpha): sum p_S (log p_S - log((1-alpha) p_T + alpha p_S)) (DistiLLM).</summary>
    SkewReverseKl,
    /// <summary>Total variation: 1/2 sum |p_T - p_S|.</summary>
    TotalVariation,
    /// <summary>TAID: -sum p_t log p_S with p_t = softmax((1-t) stopgrad(z_S) + t z_T), t given by the caller.</summary>
    Taid,
}

/// <summary>How a top-k teacher's missing probability mass is treated (LOSSES.md, sparse teacher).</summary>
public enum SparseTail
{
    /// <summary>Renormalise the teacher over its k ids; the student side keeps its full-vocabulary log-sum-exp.</summary>
    Renormalize,
    /// <summary>One extra bucket: teacher 1 - sum(top-k p_T), student 1 - sum(p_S over the same ids).</summary>
    Bucket,
}
