// One entry of a layer map: which student hidden state is pulled towards which teacher hidden state.
namespace Distill.Losses;

/// <summary>
/// Indices into CausalLmOutput.HiddenStates: 0 is the embedding output, i the residual stream after block i.
/// </summary>
public readonly record struct LayerPair(int Student, int Teacher)
{
    public override string ToString() => $"student {Student} -> teacher {Teacher}";
}
