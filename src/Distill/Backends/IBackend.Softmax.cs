// Row softmax and the fused cross-entropy (loss and dlogits in one pass, llm.c's fused classifier).
using Distill.Tensors;

namespace Distill.Backends;

public partial interface IBackend
{
    /// <summary>y (N, V) = softmax over the last dim of x (N, V). y may alias x.</summary>
    void Softmax(Tensor x, Tensor y);
    /// <summary>dx += y * (dy - sum(dy * y)) per row.</summary>
    void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx);

    /// <summary>
    /// Fused cross-entropy. logits (N, V); targets (N) I32; losses (N) receives -log p(target) per row
    /// (0 where target == ignoreIndex). When dlogits (N, V) is given it receives
    /// gradScale * (softmax(logits) - onehot(target)) in the same pass (0 for ignored rows); it may
    /// alias logits (in place). Targets other than ignoreIndex are validated by the caller.
    /// </summary>
    void CrossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Tensor losses, Tensor? dlogits, float gradScale);
}
