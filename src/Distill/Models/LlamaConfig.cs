// LLaMA-family hyperparameters under Hugging Face's config.json names (hidden_size, num_key_value_heads, ...).
using System.Text.Json.Nodes;

namespace Distill.Models;

public sealed record LlamaConfig
{
    public int VocabSize { get; init; } = 32000;
    public int Hidden { get; init; } = 4096;
    /// <summary>intermediate_size: the SwiGLU MLP width.</summary>
    public int Intermediate { get; init; } = 11008;
    public int Layers { get; init; } = 32;
    public int Heads { get; init; } = 32;
    /// <summary>num_key_value_heads: fewer than Heads for grouped-query attention.</summary>
    public int KvHeads { get; init; } = 32;
    public int HeadDim { get; init; } = 128;
    public int MaxPositions { get; init; } = 2048;
    public float RmsNormEps { get; init; } = 1e-6f;
    public float RopeTheta { get; init; } = 10000f;
    public bool TieWordEmbeddings { get; init; }

    public LlamaConfig Validate(string source = "LLaMA config")
    {
        void Positive(int v, string key) { if (v <= 0) throw new InvalidDataException($"{source}: '{key}' must be positive, is {v}"); }
        Positive(VocabSize, "vocab_size"); Positive(Hidden, "hidden_size"); Positive(Intermediate, "intermediate_size");
        Positive(Layers, "num_hidden_layers"); Positive(Heads, "num_attention_heads"); Positive(KvHeads, "num_key_value_heads");
        Positive(HeadDim, "head_dim"); Positive(MaxPositions, "max_position_embeddings");
        if (Heads % KvHeads != 0)
            throw new InvalidDataException($"{source}: num_attention_heads {Heads} is not a multiple of num_key_value_heads {KvHeads}");
        if (HeadDim % 2 != 0) throw new InvalidDataException($"{source}: head_dim {HeadDim} must be even for RoPE");
        return this;
    }

    internal static LlamaConfig From(ConfigJson j)
    {
        var act = j.TryString("hidden_act") ?? "silu";
        if (act != "silu") throw j.Invalid($"hidden_act '{act}' is not supported (LLaMA uses 'silu')");
        if (j.TryBool("attention_bias") == true || j.TryBool("mlp_bias") == true)
            throw j.Invalid("attention_bias / mlp_bias true is not supported for LLaMA models");
        if (j.Has("rope_scaling"))
            throw j.Invalid("rope_scaling is not supported");
        int hidden = j.Int("hidden_size"), heads = j.Int("num_attention_heads");
        return new LlamaConfig
        {
            VocabSize = j.Int("vocab_size"),
            Hidden = hidden,
            Intermediate = j.Int("intermediate_size"),
            Layers = j.Int("num_hidden_layers"),
            Heads = heads,
            KvHeads = j.TryInt("num_key_value_heads") ?? heads,
            HeadDim = j.TryInt("head_dim") ?? (heads > 0 ? hidden / heads : 0),
            MaxPositions = j.TryInt("max_position_embeddings") ?? 2048,
            RmsNormEps = j.TryFloat("rms_norm_eps") ?? 1e-6f,
            RopeTheta = j.TryFloat("rope_theta") ?? 10000f,
            TieWordEmbeddings = j.TryBool("tie_word_embeddings") ?? false,
        }.Validate(j.Source);
    }

    public JsonObject ToJson() => new()
    {
        ["model_type"] = "llama",
        ["architectures"] = new JsonArray("LlamaForCausalLM"),
        ["vocab_size"] = VocabSize,
        ["hidden_size"] = Hidden,
        ["intermediate_size"] = Intermediate,
        ["num_hidden_layers"] = Layers,
        ["num_attention_heads"] = Heads,
        ["num_key_value_heads"] = KvHeads,
        ["head_dim"] = HeadDim,
        ["max_position_embeddings"] = MaxPositions,
        ["rms_norm_eps"] = RmsNormEps,
        ["rope_theta"] = RopeTheta,
        ["tie_word_embeddings"] = TieWordEmbeddings,
        ["hidden_act"] = "silu",
        ["attention_bias"] = false,
        ["torch_dtype"] = "float32",
    };
}
