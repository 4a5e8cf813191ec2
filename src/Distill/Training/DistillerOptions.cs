// How a Distiller trains: the logit loss, optional hidden-state terms, the optimizer, and the memory knobs
// (rows per loss chunk, sequences per teacher forward).
using Distill.Losses;
using Distill.Optim;

namespace Distill.Training;

public sealed record DistillerOptions
{
    /// <summary>The logit objective (divergence, temperature, soft/hard weights, ignore index).</summary>
    public DistillLossOptions Loss { get; init; } = new();
    public AdamWOptions Optimizer { get; init; } = new();
    /// <summary>Hidden-state terms added to the logit loss, each with its weight and layer map (needs a live teacher or its hidden states).</summary>
    public IReadOnlyList<FeatureLossTerm> Features { get; init; } = [];
    /// <summary>
    /// Memory for one chunk of the fused head + loss (student and teacher logits of the chunk; at least
    /// ChunkedDistillLoss.MinBudgetChunkRows rows). 32 MiB: 512 rows at vocab 8192.
    /// </summary>
    public long LossChunkBudgetBytes { get; init; } = 32L << 20;
    /// <summary>Rows per loss chunk; 0 picks them from <see cref="LossChunkBudgetBytes"/>.</summary>
    public int LossChunkRows { get; init; }
    /// <summary>
    /// Tokens the teacher forward handles at once (whole sequences, at least one): a no-grad forward keeps
    /// every activation until it ends, so splitting the batch bounds the teacher's memory (each part's
    /// activations return to the pool before the next part reuses them). 0: the whole batch at once.
    /// </summary>
    public int TeacherTokensPerForward { get; init; } = 256;
    /// <summary>Seed of the hidden-state projections' initialisation.</summary>
    public int ProjectionSeed { get; init; }

    /// <summary>Checks the numbers; throws naming the bad field.</summary>
    public DistillerOptions Validate()
    {
        Loss.Validate();
        foreach (var f in Features) f.Validate();
        if (LossChunkBudgetBytes <= 0) throw new ArgumentOutOfRangeException(nameof(LossChunkBudgetBytes), LossChunkBudgetBytes, "must be positive");
        if (LossChunkRows < 0) throw new ArgumentOutOfRangeException(nameof(LossChunkRows), LossChunkRows, "must be >= 0 (0: from the budget)");
        if (TeacherTokensPerForward < 0) throw new ArgumentOutOfRangeException(nameof(TeacherTokensPerForward), TeacherTokensPerForward, "must be >= 0 (0: whole batch)");
        return this;
    }
}
