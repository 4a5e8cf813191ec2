// What a causal LM forward returns. Hidden states are the model's own activation tensors (no copy):
// HiddenStates[0] is the embedding output, HiddenStates[i] the residual stream after block i, Final
// the output of the last norm (what the LM head reads). Under a tape they live until it is disposed.
using Distill.Tensors;

namespace Distill.Models;

public sealed record CausalLmOutput(Tensor? Logits, IReadOnlyList<Tensor> HiddenStates, Tensor Final);
