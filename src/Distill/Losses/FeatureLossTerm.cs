// A hidden-state loss term of a distillation objective: its kind, its weight in the total and the layer map.
namespace Distill.Losses;

public sealed record FeatureLossTerm
{
    public FeatureLossKind Kind { get; init; } = FeatureLossKind.Mse;
    /// <summary>Weight of this term in the total loss.</summary>
    public float Weight { get; init; } = 1f;
    /// <summary>Student -> teacher hidden-state pairs; the term is the mean of the per-pair losses.</summary>
    public IReadOnlyList<LayerPair> LayerMap { get; init; } = [];

    /// <summary>Checks the weight and that the map is non-empty; throws naming the bad field.</summary>
    public FeatureLossTerm Validate()
    {
        if (!(Weight >= 0) || !float.IsFinite(Weight)) throw new ArgumentOutOfRangeException(nameof(Weight), Weight, "feature loss weight must be >= 0 and finite");
        if (LayerMap is null || LayerMap.Count == 0) throw new ArgumentException("feature loss term: the layer map is empty", nameof(LayerMap));
        return this;
    }
}
