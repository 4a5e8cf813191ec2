// Elementwise ops on the CPU.
using Distill.Tensors;

namespace Distill.Backends.Cpu;

public sealed partial class CpuBackend
{
    public void Add(Tensor a, Tensor b, Tensor dst) => throw new NotImplementedException();
    public void Mul(Tensor a, Tensor b, Tensor dst) => throw new NotImplementedException();
    public void Axpy(float alpha, Tensor x, Tensor y) => throw new NotImplementedException();
    public void Scale(Tensor x, float alpha, Tensor dst) => throw new NotImplementedException();
    public double Sum(Tensor x) => throw new NotImplementedException();
    public void AddBias(Tensor x, Tensor bias, Tensor dst) => throw new NotImplementedException();
    public void AddBiasBackward(Tensor dy, Tensor dbias) => throw new NotImplementedException();
    public void Gelu(Tensor x, Tensor y) => throw new NotImplementedException();
    public void GeluBackward(Tensor x, Tensor dy, Tensor dx) => throw new NotImplementedException();
    public void Silu(Tensor x, Tensor y) => throw new NotImplementedException();
    public void SiluBackward(Tensor x, Tensor dy, Tensor dx) => throw new NotImplementedException();
    public void SwiGlu(Tensor gate, Tensor up, Tensor y) => throw new NotImplementedException();
    public void SwiGluBackward(Tensor gate, Tensor up, Tensor dy, Tensor dgate, Tensor dup) => throw new NotImplementedException();
    public void Cast(Tensor src, Tensor dst) => throw new NotImplementedException();
}
