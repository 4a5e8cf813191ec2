// AdamW hyperparameters; defaults are torch.optim.AdamW's, except clipping which is off unless set.
namespace Distill.Optim;

public sealed record AdamWOptions
{
    public float LearningRate { get; init; } = 1e-3f;
    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.999f;
    public float Eps { get; init; } = 1e-8f;
    public float WeightDecay { get; init; } = 0.01f;
    /// <summary>Clip the global gradient norm to this value before the update (torch's clip_grad_norm_); null: no clipping.</summary>
    public float? MaxGradNorm { get; init; }
}
