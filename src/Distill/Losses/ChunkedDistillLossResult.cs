// What the chunked fused linear + distillation loss returns: the differentiable total and its parts.
using Distill.Tensors;

namespace Distill.Losses;

/// <param name="Loss">One-element total: SoftFactor * Soft + HardWeight * Hard (on the tape when recording).</param>
/// <param name="Soft">Mean soft divergence D(p_T, p_S) over counted tokens, before weights and T^2.</param>
/// <param name="Hard">Mean hard cross-entropy over counted tokens (0 without targets).</param>
/// <param name="Tokens">Tokens counted: targets not equal to the ignore index (all rows without targets).</param>
/// <param name="ChunkRows">Rows per chunk used (the last chunk may be shorter).</param>
/// <param name="ScratchBytes">Bytes of the per-call chunk buffers (student, teacher logits and row losses).</param>
public sealed record ChunkedDistillLossResult(Tensor Loss, float Soft, float Hard, int Tokens, int ChunkRows, long ScratchBytes);
