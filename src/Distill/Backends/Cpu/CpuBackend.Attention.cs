// RoPE, causal attention and embeddings on the CPU.
using Distill.Tensors;

namespace Distill.Backends.Cpu;

public sealed partial class CpuBackend
{
    public void Rope(Tensor x, Tensor cos, Tensor sin, Tensor y) => throw new NotImplementedException();
    public void RopeBackward(Tensor dy, Tensor cos, Tensor sin, Tensor dx) => throw new NotImplementedException();
    public void Attention(Tensor q, Tensor k, Tensor v, float scale, Tensor output, Tensor lse) => throw new NotImplementedException();
    public void AttentionBackward(Tensor q, Tensor k, Tensor v, Tensor output, Tensor lse, Tensor dOutput, float scale, Tensor dq, Tensor dk, Tensor dv) => throw new NotImplementedException();
    public void Embedding(Tensor ids, Tensor table, Tensor output) => throw new NotImplementedException();
    public void EmbeddingBackward(Tensor ids, Tensor dOutput, Tensor dtable) => throw new NotImplementedException();
}
