// The contract GPT-2 and LLaMA share, so losses, the distiller and the trainer treat them alike.
using Distill.Tensors;

namespace Distill.Models;

public interface ICausalLm : IDisposable
{
    /// <summary>"gpt2" or "llama", as config.json's model_type.</summary>
    string ModelType { get; }
    int VocabSize { get; }
    int HiddenSize { get; }
    int LayerCount { get; }
    /// <summary>Longest sequence the model accepts (GPT-2's position table; LLaMA's max_position_embeddings).</summary>
    int MaxSequenceLength { get; }

    /// <summary>Every trainable tensor under its Hugging Face name (a tied head appears once, as the embedding).</summary>
    ParameterSet Parameters { get; }
    /// <summary>The LM head as (V, C), out-features first (the embedding when tied).</summary>
    Tensor LmHeadWeight { get; }

    /// <summary>ids (B, T) I32 -> logits (B, T, V) unless withLogits is false, plus the hidden states.</summary>
    CausalLmOutput Forward(Tensor ids, bool withLogits = true);

    /// <summary>Writes config.json and model.safetensors in Hugging Face layout (atomically).</summary>
    void Save(string directory);
}
