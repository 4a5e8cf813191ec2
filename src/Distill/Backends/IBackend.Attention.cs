// Rotary embeddings, causal attention with grouped KV heads, token embedding gather/scatter.
using Distill.Tensors;

namespace Distill.Backends;

public partial interface IBackend
{
    /// <summary>
    /// Hugging Face rotate-half RoPE. x, y: (B, T, H, D); cos, sin: (T, D/2), row t is position t.
    /// For i &lt; D/2: y[i] = x[i] cos[i] - x[i+D/2] sin[i]; y[i+D/2] = x[i+D/2] cos[i] + x[i] sin[i].
    /// y may alias x.
    /// </summary>
    void Rope(Tensor x, Tensor cos, Tensor sin, Tensor y);
    /// <summary>dx += R^T dy (the inverse rotation). dx must not alias dy.</summary>
    void RopeBackward(Tensor dy, Tensor cos, Tensor sin, Tensor dx);

    /// <summary>
    /// Causal scaled-dot-product attention. q: (B, T, Hq, D); k, v: (B, T, Hkv, D) with Hq a
    /// multiple of Hkv (query head h reads kv head h / (Hq/Hkv)); out: (B, T, Hq, D);
    /// lse: (B, Hq, T), the log-sum-exp of each row of scaled scores, saved for backward.
    /// </summary>
    void Attention(Tensor q, Tensor k, Tensor v, float scale, Tensor output, Tensor lse);
    /// <summary>dq, dk, dv += gradients given dout (B, T, Hq, D); recomputes probabilities from lse.</summary>
    void AttentionBackward(Tensor q, Tensor k, Tensor v, Tensor output, Tensor lse, Tensor dOutput, float scale,
        Tensor dq, Tensor dk, Tensor dv);

    /// <summary>output (N, C) = table (V, C)[ids (N), I32]. Ids are validated by the caller.</summary>
    void Embedding(Tensor ids, Tensor table, Tensor output);
    /// <summary>dtable (V, C) += scatter of dOutput (N, C) by ids; deterministic order.</summary>
    void EmbeddingBackward(Tensor ids, Tensor dOutput, Tensor dtable);
}
