// MatMul on the CPU: batching and transposes around the packed GEMM (CpuGemm).
using Distill.Tensors;

namespace Distill.Backends.Cpu;

public sealed partial class CpuBackend
{
    public void MatMul(Tensor a, Tensor b, Tensor c, bool transA = false, bool transB = false, float alpha = 1f, float beta = 0f)
        => throw new NotImplementedException("MatMul: GEMM not built yet");
}
