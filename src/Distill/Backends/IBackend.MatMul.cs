// Matrix multiply: the hottest op of the engine.
using Distill.Tensors;

namespace Distill.Backends;

public partial interface IBackend
{
    /// <summary>
    /// c = alpha * op(a) @ op(b) + beta * c, batched over leading dimensions.
    /// a: (..., M, K), or (..., K, M) when transA; b: (..., K, N), or (..., N, K) when transB;
    /// c: (..., M, N). b may have no batch dimensions (a weight shared by the whole batch), in which
    /// case a's batch dims fold into M when a is not transposed.
    /// </summary>
    void MatMul(Tensor a, Tensor b, Tensor c, bool transA = false, bool transB = false, float alpha = 1f, float beta = 0f);
}
