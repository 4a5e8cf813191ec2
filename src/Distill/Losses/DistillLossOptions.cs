// The configured distillation objective: loss = HardWeight * CE + SoftWeight * (T^2 if scaled) * D(p_T, p_S),
// each part a mean over tokens whose target is not IgnoreIndex (all tokens when no targets are given).
namespace Distill.Losses;

public sealed record DistillLossOptions
{
    public Divergence Divergence { get; init; } = Divergence.ForwardKl;
    /// <summary>Softmax temperature T of both distributions for the soft part (hard CE is always at T = 1).</summary>
    public float Temperature { get; init; } = 1f;
    /// <summary>JSD interpolation beta (0 is exactly forward KL, 1 exactly reverse KL).</summary>
    public float Beta { get; init; } = 0.5f;
    /// <summary>Skew KL / skew reverse KL mixing alpha.</summary>
    public float Alpha { get; init; } = 0.1f;
    /// <summary>TAID interpolation t for this step (the trainer schedules it from 0.4 to 1.0).</summary>
    public float TaidT { get; init; } = 0.4f;
    public float SoftWeight { get; init; } = 0.5f;
    public float HardWeight { get; init; } = 0.5f;
    /// <summary>Multiply the soft part by T^2 (Hinton); null: on exactly when T != 1.</summary>
    public bool? ScaleByTemperatureSquared { get; init; }
    public int IgnoreIndex { get; init; } = -100;
    /// <summary>Missing-mass convention for a sparse (top-k) teacher.</summary>
    public SparseTail Tail { get; init; } = SparseTail.Renormalize;

    /// <summary>The factor applied to the mean soft divergence: SoftWeight, times T^2 when scaled.</summary>
    public float SoftFactor => SoftWeight * ((ScaleByTemperatureSquared ?? Temperature != 1f) ? Temperature * Temperature : 1f);

    /// <summary>Checks the numbers are usable; throws naming the bad field.</summary>
    public DistillLossOptions Validate()
    {
        if (!(Temperature > 0) || !float.IsFinite(Temperature)) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "distillation temperature must be positive and finite");
        if (!(Beta >= 0 && Beta <= 1)) throw new ArgumentOutOfRangeException(nameof(Beta), Beta, "JSD beta must be in [0, 1]");
        if (!(Alpha >= 0 && Alpha <= 1)) throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "skew alpha must be in [0, 1]");
        if (!(TaidT >= 0 && TaidT <= 1)) throw new ArgumentOutOfRangeException(nameof(TaidT), TaidT, "TAID t must be in [0, 1]");
        if (!(SoftWeight >= 0) || !(HardWeight >= 0)) throw new ArgumentOutOfRangeException(nameof(SoftWeight), "loss weights must be >= 0");
        return this;
    }
}
