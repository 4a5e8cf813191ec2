// The hidden-state distillation losses (../shared/LOSSES.md "Feature distillation").
namespace Distill.Losses;

public enum FeatureLossKind
{
    /// <summary>Mean over elements of (P h_S - h_T)^2.</summary>
    Mse,
    /// <summary>Mean over tokens of 1 - cos(P h_S, h_T).</summary>
    Cosine,
}
