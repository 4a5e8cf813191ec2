// LayerNorm and RmsNorm on the CPU.
using Distill.Tensors;

namespace Distill.Backends.Cpu;

public sealed partial class CpuBackend
{
    public void LayerNorm(Tensor x, Tensor weight, Tensor? bias, float eps, Tensor y, Tensor mean, Tensor rstd) => throw new NotImplementedException();
    public void LayerNormBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dy, Tensor dx, Tensor dweight, Tensor? dbias) => throw new NotImplementedException();
    public void RmsNorm(Tensor x, Tensor weight, float eps, Tensor y, Tensor rstd) => throw new NotImplementedException();
    public void RmsNormBackward(Tensor x, Tensor weight, Tensor rstd, Tensor dy, Tensor dx, Tensor dweight) => throw new NotImplementedException();
}
