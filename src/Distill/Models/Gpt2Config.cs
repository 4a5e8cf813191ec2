// GPT-2 hyperparameters under Hugging Face's config.json names (n_embd, n_layer, ...).
using System.Text.Json.Nodes;

namespace Distill.Models;

public sealed record Gpt2Config
{
    public int VocabSize { get; init; } = 50257;
    /// <summary>n_positions: the length of the learned position table.</summary>
    public int MaxPositions { get; init; } = 1024;
    public int Hidden { get; init; } = 768;
    public int Layers { get; init; } = 12;
    public int Heads { get; init; } = 12;
    /// <summary>n_inner: MLP width (null in config.json means 4 * n_embd).</summary>
    public int Inner { get; init; } = 3072;
    public float LayerNormEps { get; init; } = 1e-5f;
    public bool TieWordEmbeddings { get; init; } = true;

    public int HeadDim => Hidden / Heads;

    /// <summary>Checks the sizes agree with each other; throws naming the bad field.</summary>
    public Gpt2Config Validate(string source = "GPT-2 config")
    {
        void Positive(int v, string key) { if (v <= 0) throw new InvalidDataException($"{source}: '{key}' must be positive, is {v}"); }
        Positive(VocabSize, "vocab_size"); Positive(MaxPositions, "n_positions"); Positive(Hidden, "n_embd");
        Positive(Layers, "n_layer"); Positive(Heads, "n_head"); Positive(Inner, "n_inner");
        if (Hidden % Heads != 0) throw new InvalidDataException($"{source}: n_embd {Hidden} is not a multiple of n_head {Heads}");
        if (!TieWordEmbeddings) throw new InvalidDataException($"{source}: untied GPT-2 heads are not supported (tie_word_embeddings false)");
        return this;
    }

    internal static Gpt2Config From(ConfigJson j)
    {
        var act = j.TryString("activation_function") ?? "gelu_new";
        if (act is not ("gelu_new" or "gelu_pytorch_tanh" or "gelu_fast"))
            throw j.Invalid($"activation_function '{act}' is not supported (GPT-2 uses the tanh GELU 'gelu_new')");
        int hidden = j.Int("n_embd");
        return new Gpt2Config
        {
            VocabSize = j.Int("vocab_size"),
            MaxPositions = j.TryInt("n_positions") ?? j.TryInt("n_ctx") ?? 1024,
            Hidden = hidden,
            Layers = j.Int("n_layer"),
            Heads = j.Int("n_head"),
            Inner = j.TryInt("n_inner") ?? 4 * hidden,
            LayerNormEps = j.TryFloat("layer_norm_epsilon") ?? 1e-5f,
            TieWordEmbeddings = j.TryBool("tie_word_embeddings") ?? true,
        }.Validate(j.Source);
    }

    public JsonObject ToJson() => new()
    {
        ["model_type"] = "gpt2",
        ["architectures"] = new JsonArray("GPT2LMHeadModel"),
        ["vocab_size"] = VocabSize,
        ["n_positions"] = MaxPositions,
        ["n_ctx"] = MaxPositions,
        ["n_embd"] = Hidden,
        ["n_layer"] = Layers,
        ["n_head"] = Heads,
        ["n_inner"] = Inner,
        ["activation_function"] = "gelu_new",
        ["layer_norm_epsilon"] = LayerNormEps,
        ["tie_word_embeddings"] = TieWordEmbeddings,
        ["torch_dtype"] = "float32",
    };
}
