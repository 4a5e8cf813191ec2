// The op contract every device implements. Conventions, for every method:
// - tensors are contiguous, row-major, F32 unless said otherwise; inputs first, destination last;
// - shapes are checked by the caller (Autograd.Ops validates at the public boundary), so backends
//   may assume them; shape legends on each method say what they are;
// - backward methods ACCUMULATE (+=) into their gradient outputs, as llm.c's kernels do, so that a
//   tensor used twice sums its gradients without temporaries.
using Distill.Tensors;

namespace Distill.Backends;

public partial interface IBackend
{
    Device Device { get; }

    /// <summary>Memory for a tensor of <paramref name="bytes"/> bytes, from the device's pool.</summary>
    TensorStorage Allocate(long bytes);

    void Zero(Tensor dst);
    void Fill(Tensor dst, float value);
    /// <summary>dst = src, same dtype and element count.</summary>
    void Copy(Tensor src, Tensor dst);
    /// <summary>Copies host bytes into the tensor's memory.</summary>
    void Upload(ReadOnlySpan<byte> src, Tensor dst);
    /// <summary>Copies the tensor's memory to host bytes.</summary>
    void Download(Tensor src, Span<byte> dst);
    /// <summary>Converts between F32 and BF16/F16 (either direction; same element count). BF16/F16 round to nearest even.</summary>
    void Cast(Tensor src, Tensor dst);
    /// <summary>Waits for queued work (no-op on CPU).</summary>
    void Synchronize();
}
