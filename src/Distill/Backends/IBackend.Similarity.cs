// Row-wise cosine similarity (hidden-state distillation: 1 - cos(P h_S, h_T) per token), forward and backward.
using Distill.Tensors;

namespace Distill.Backends;

public partial interface IBackend
{
    /// <summary>
    /// y (N) = cos(a_r, b_r) = sum_i a_ri / max(|a_r|, eps) * b_ri / max(|b_r|, eps) for rows of a, b (N, C)
    /// (torch.nn.functional.cosine_similarity's definition).
    /// </summary>
    void CosineSimilarity(Tensor a, Tensor b, float eps, Tensor y);

    /// <summary>
    /// da (N, C) += dy_r * dcos/da_r, db += dy_r * dcos/db_r; dy (N). With A = max(|a|, eps), B likewise:
    /// dcos/da = b / (A B) - cos a / A^2 (the second term only where |a| &gt; eps). da or db may be null.
    /// </summary>
    void CosineSimilarityBackward(Tensor a, Tensor b, float eps, Tensor dy, Tensor? da, Tensor? db);
}
