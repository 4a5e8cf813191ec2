// What DistillLoss.Compute returns: the objective on the tape and its parts as plain numbers for metrics.
using Distill.Tensors;

namespace Distill.Losses;

/// <summary>
/// Loss: the scalar (1) on the tape, SoftFactor * Soft + HardWeight * Hard. Soft, Hard: the unweighted
/// means of the divergence and of the hard cross-entropy over the Tokens rows that are not ignored
/// (Hard is 0 without targets; all three are 0 when every row is ignored).
/// </summary>
public sealed record DistillLossResult(Tensor Loss, float Soft, float Hard, int Tokens);
