// LLaMA (Touvron et al. 2023) as Hugging Face's LlamaForCausalLM computes it: RmsNorm, rotate-half
// RoPE, grouped-query attention, SwiGLU MLP, no biases, head tied or not.
using Distill.Autograd;
using Distill.Nn;
using Distill.Tensors;

namespace Distill.Models;

public sealed class Llama : ICausalLm
{
    private readonly Block[] _blocks;
    private readonly Tensor _embed, _norm, _head;
    private readonly RopeTables _rope;

    private sealed record Block(Tensor InputNorm, Tensor Q, Tensor K, Tensor V, Tensor O, Tensor PostNorm,
        Tensor Gate, Tensor Up, Tensor Down);

    /// <summary>A model with every parameter zero; fill with <see cref="InitRandom"/> or a checkpoint.</summary>
    public Llama(LlamaConfig config)
    {
        Config = config.Validate();
        int c = config.Hidden, d = config.HeadDim;
        var ps = Parameters = new ParameterSet();
        _embed = ps.Add("model.embed_tokens.weight", new Shape(config.VocabSize, c));
        _blocks = new Block[config.Layers];
        for (int i = 0; i < config.Layers; i++)
        {
            string l = $"model.layers.{i}.";
            _blocks[i] = new Block(
                ps.Add(l + "input_layernorm.weight", new Shape(c)),
                ps.Add(l + "self_attn.q_proj.weight", new Shape(config.Heads * d, c)),
                ps.Add(l + "self_attn.k_proj.weight", new Shape(config.KvHeads * d, c)),
                ps.Add(l + "self_attn.v_proj.weight", new Shape(config.KvHeads * d, c)),
                ps.Add(l + "self_attn.o_proj.weight", new Shape(c, config.Heads * d)),
                ps.Add(l + "post_attention_layernorm.weight", new Shape(c)),
                ps.Add(l + "mlp.gate_proj.weight", new Shape(config.Intermediate, c)),
                ps.Add(l + "mlp.up_proj.weight", new Shape(config.Intermediate, c)),
                ps.Add(l + "mlp.down_proj.weight", new Shape(c, config.Intermediate)));
        }
        _norm = ps.Add("model.norm.weight", new Shape(c));
        _head = config.TieWordEmbeddings ? _embed : ps.Add("lm_head.weight", new Shape(config.VocabSize, c));
        _rope = RopeTables.Build(d, config.MaxPositions, config.RopeTheta);
    }

    public LlamaConfig Config { get; }
    public string ModelType => "llama";
    public int VocabSize => Config.VocabSize;
    public int HiddenSize => Config.Hidden;
    public int LayerCount => Config.Layers;
    public int MaxSequenceLength => Config.MaxPositions;
    public ParameterSet Parameters { get; }
    public Tensor LmHeadWeight => _head;

    /// <summary>N(0, 0.02) weights (HF's initializer_range), unit norms.</summary>
    public Llama InitRandom(int seed)
    {
        var rng = new Random(seed);
        foreach (var (name, t) in Parameters.Named)
        {
            if (name.EndsWith("norm.weight")) t.AsSpan().Fill(1f);
            else ModelInit.Normal(t.AsSpan(), rng, 0.02f);
        }
        return this;
    }

    /// <summary>Reads a Hugging Face LLaMA directory (config.json + safetensors, sharded or not).</summary>
    public static Llama Load(string directory)
    {
        using var ckpt = HfCheckpoint.Open(directory);
        return Load(ckpt);
    }

    // Tied checkpoints may still carry lm_head.weight (a copy of the embedding): ignore it then.
    internal static Llama Load(HfCheckpoint ckpt)
    {
        var config = LlamaConfig.From(ckpt.Config);
        return ckpt.LoadModel(new Llama(config), name => [name],
            ignore: n => n.EndsWith(".rotary_emb.inv_freq") || (config.TieWordEmbeddings && n == "lm_head.weight"));
    }

    public void Save(string directory) => HfCheckpoint.Save(directory, Config.ToJson(), Parameters);

    public CausalLmOutput Forward(Tensor ids, bool withLogits = true) => ModelInput.Run(() => ForwardCore(ids, withLogits));

    private CausalLmOutput ForwardCore(Tensor ids, bool withLogits)
    {
        var (b, t) = ModelInput.Check("LLaMA", ids, MaxSequenceLength, "max_position_embeddings");
        int c = Config.Hidden, d = Config.HeadDim, hq = Config.Heads, hkv = Config.KvHeads;
        var (cos, sin) = _rope.ForLength(t);                                            // (T, D/2) views
        ModelInput.Own(cos);
        ModelInput.Own(sin);
        var x = Ops.Embedding(ids, _embed);                                             // (B, T, C)
        var hidden = new List<Tensor>(Config.Layers + 1) { x };
        foreach (var blk in _blocks)
        {
            var h = Ops.RmsNorm(x, blk.InputNorm, Config.RmsNormEps);
            var q = Ops.Rope(Ops.Linear(h, blk.Q).Reshape(b, t, hq, d), cos, sin);     // (B, T, Hq, D)
            var k = Ops.Rope(Ops.Linear(h, blk.K).Reshape(b, t, hkv, d), cos, sin);    // (B, T, Hkv, D)
            var v = Ops.Linear(h, blk.V).Reshape(b, t, hkv, d);
            var a = Ops.Attention(q, k, v).Reshape(b, t, hq * d);
            x = Ops.Add(x, Ops.Linear(a, blk.O));
            h = Ops.RmsNorm(x, blk.PostNorm, Config.RmsNormEps);
            x = Ops.Add(x, Ops.Linear(Ops.SwiGlu(Ops.Linear(h, blk.Gate), Ops.Linear(h, blk.Up)), blk.Down));
            hidden.Add(x);
        }
        var final = Ops.RmsNorm(x, _norm, Config.RmsNormEps);
        var logits = withLogits ? Ops.Linear(final, _head) : null;                     // (B, T, V)
        return new CausalLmOutput(logits, hidden, final);
    }

    public void Dispose()
    {
        Parameters.Dispose();
        _rope.Dispose();
    }
}
