// Column slices of a row-major matrix: splitting a fused projection (GPT-2's qkv) without a permute.
using Distill.Tensors;

namespace Distill.Backends;

public partial interface IBackend
{
    /// <summary>y (N, W) = x (N, C)[:, start : start + W].</summary>
    void SliceColumns(Tensor x, int start, Tensor y);
    /// <summary>dx (N, C)[:, start : start + W] += dy (N, W).</summary>
    void SliceColumnsBackward(Tensor dy, int start, Tensor dx);
}
