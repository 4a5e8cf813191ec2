// Optimizer updates: fused AdamW over one parameter tensor, and the squared norm for global clipping.
using Distill.Tensors;

namespace Distill.Backends;

public partial interface IBackend
{
    /// <summary>
    /// One AdamW step in place, as torch.optim.AdamW: p -= lr*wd*p; g' = gradScale*g;
    /// m = b1 m + (1-b1) g'; v = b2 v + (1-b2) g'^2; p -= lr/(1-b1^step) * m / (sqrt(v)/sqrt(1-b2^step) + eps).
    /// param, grad, m, v: same element count, F32. step counts from 1.
    /// </summary>
    void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
        float weightDecay, int step, float gradScale);

    /// <summary>Sum of squares of all elements (float lanes per chunk, chunks summed in double) for global-norm clipping.</summary>
    double SumSquares(Tensor x);
}
