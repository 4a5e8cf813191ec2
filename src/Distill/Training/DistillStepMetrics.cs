// What one distillation step reports: the total loss and its parts, the gradient norm, the tokens
// counted, and where the time went.
namespace Distill.Training;

/// <param name="Loss">Total: SoftFactor * Soft + HardWeight * Hard + sum of weighted feature terms.</param>
/// <param name="Soft">Mean soft divergence over counted tokens (before weight and T^2).</param>
/// <param name="Hard">Mean hard cross-entropy over counted tokens (0 without targets).</param>
/// <param name="Features">Each feature term's unweighted value, in the order of DistillerOptions.Features.</param>
/// <param name="FeatureTotal">Sum of weight * term over the feature terms.</param>
/// <param name="GradNorm">Global gradient norm before clipping (NaN when no update was made).</param>
/// <param name="Tokens">Tokens counted in the logit loss.</param>
/// <param name="LossChunkRows">Rows per chunk of the fused head + loss.</param>
/// <param name="LossScratchBytes">Memory of the fused loss's chunk buffers (one chunk of student and teacher logits, row losses).</param>
public sealed record DistillStepMetrics(float Loss, float Soft, float Hard, IReadOnlyList<float> Features, float FeatureTotal,
    double GradNorm, int Tokens, int LossChunkRows, long LossScratchBytes, DistillStepTimings Timings);
