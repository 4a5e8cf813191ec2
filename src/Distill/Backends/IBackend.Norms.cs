// LayerNorm (GPT-2) and RmsNorm (LLaMA) over the last dimension, forward and backward.
using Distill.Tensors;

namespace Distill.Backends;

public partial interface IBackend
{
    /// <summary>
    /// y (N, C) = (x - mean) * rstd * weight + bias, biased variance, rstd = 1/sqrt(var + eps).
    /// Saves mean (N) and rstd (N) for the backward pass. bias may be null.
    /// </summary>
    void LayerNorm(Tensor x, Tensor weight, Tensor? bias, float eps, Tensor y, Tensor mean, Tensor rstd);
    /// <summary>dx (N, C) += ..., dweight (C) += ..., dbias (C) += ... (dbias may be null).</summary>
    void LayerNormBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dy, Tensor dx, Tensor dweight, Tensor? dbias);

    /// <summary>y (N, C) = x * rstd * weight, rstd = 1/sqrt(mean(x^2) + eps); saves rstd (N).</summary>
    void RmsNorm(Tensor x, Tensor weight, float eps, Tensor y, Tensor rstd);
    /// <summary>dx (N, C) += ..., dweight (C) += ...</summary>
    void RmsNormBackward(Tensor x, Tensor weight, Tensor rstd, Tensor dy, Tensor dx, Tensor dweight);
}
