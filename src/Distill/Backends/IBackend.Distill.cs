// Fused distillation losses over rows of logits (../shared/LOSSES.md). One kernel per row block:
// online max and sums of both distributions, the soft divergence, the hard cross-entropy, and the
// gradient dL/dz_S written in place of the student logits: never an extra (N, V) tensor.
using Distill.Losses;
using Distill.Tensors;

namespace Distill.Backends;

public partial interface IBackend
{
    /// <summary>
    /// student, teacher: (N, V) logits; targets: (N) I32 or null (no hard part, no mask).
    /// softLoss (N) receives D(p_T, p_S) at options.Temperature per row; hardLoss (N) receives -log p_S(target)
    /// at T = 1 (0 without targets). Rows whose target is options.IgnoreIndex get 0 in both and a zero gradient.
    /// When dStudent (N, V) is given (it may alias student) it receives
    /// softScale * dD/dz_S + hardScale * dCE/dz_S. The teacher receives no gradient.
    /// </summary>
    void DistillLoss(Tensor student, Tensor teacher, Tensor? targets, DistillLossOptions options,
        Tensor softLoss, Tensor hardLoss, Tensor? dStudent, float softScale, float hardScale);

    /// <summary>
    /// The same against a sparse top-k teacher: teacherIds (N, k) I32 vocabulary ids, teacherLogits (N, k)
    /// their raw logits, teacherLse (N) the log-sum-exp over the full vocabulary of teacher logits / T
    /// (so true top-k probabilities are exp(z/T - lse)). options.Tail picks the missing-mass convention.
    /// The student side always uses its full-vocabulary log-sum-exp.
    /// </summary>
    void DistillLossSparse(Tensor student, Tensor teacherIds, Tensor teacherLogits, Tensor teacherLse, Tensor? targets,
        DistillLossOptions options, Tensor softLoss, Tensor hardLoss, Tensor? dStudent, float softScale, float hardScale);
}
