// Elementwise and row-broadcast ops: residual add, bias, GELU (tanh), SiLU, SwiGLU, scale/axpy.
using Distill.Tensors;

namespace Distill.Backends;

public partial interface IBackend
{
    /// <summary>dst = a + b (same shape; dst may alias a or b).</summary>
    void Add(Tensor a, Tensor b, Tensor dst);
    /// <summary>dst = a * b elementwise (same shape).</summary>
    void Mul(Tensor a, Tensor b, Tensor dst);
    /// <summary>y += alpha * x (same element count). Gradient accumulation.</summary>
    void Axpy(float alpha, Tensor x, Tensor y);
    /// <summary>dst = alpha * x.</summary>
    void Scale(Tensor x, float alpha, Tensor dst);
    /// <summary>Sum of all elements, accumulated in double.</summary>
    double Sum(Tensor x);

    /// <summary>dst (N, C) = x (N, C) + bias (C). dst may alias x.</summary>
    void AddBias(Tensor x, Tensor bias, Tensor dst);
    /// <summary>dbias (C) += sum over rows of dy (N, C).</summary>
    void AddBiasBackward(Tensor dy, Tensor dbias);

    /// <summary>y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), GPT-2's GELU.</summary>
    void Gelu(Tensor x, Tensor y);
    /// <summary>dx += dy * gelu'(x).</summary>
    void GeluBackward(Tensor x, Tensor dy, Tensor dx);

    /// <summary>y = x * sigmoid(x).</summary>
    void Silu(Tensor x, Tensor y);
    /// <summary>dx += dy * silu'(x).</summary>
    void SiluBackward(Tensor x, Tensor dy, Tensor dx);

    /// <summary>y = silu(gate) * up; all same shape (LLaMA's MLP).</summary>
    void SwiGlu(Tensor gate, Tensor up, Tensor y);
    /// <summary>dgate += dy * up * silu'(gate); dup += dy * silu(gate).</summary>
    void SwiGluBackward(Tensor gate, Tensor up, Tensor dy, Tensor dgate, Tensor dup);
}
