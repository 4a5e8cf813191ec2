// Softmax and fused cross-entropy on the CPU.
using Distill.Tensors;

namespace Distill.Backends.Cpu;

public sealed partial class CpuBackend
{
    public void Softmax(Tensor x, Tensor y) => throw new NotImplementedException();
    public void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx) => throw new NotImplementedException();
    public void CrossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Tensor losses, Tensor? dlogits, float gradScale) => throw new NotImplementedException();
}
