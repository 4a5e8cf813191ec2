// GPT-2 (Radford et al. 2019) as Hugging Face's GPT2LMHeadModel computes it: learned positions,
// pre-LayerNorm blocks, Conv1D projections stored (In, Out), tanh GELU, head tied to the embedding.
using Distill.Autograd;
using Distill.Tensors;

namespace Distill.Models;

public sealed class Gpt2 : ICausalLm
{
    private const string P = "transformer.";
    private readonly Block[] _blocks;
    private readonly Tensor _wte, _wpe, _lnfW, _lnfB;

    private sealed record Block(Tensor Ln1W, Tensor Ln1B, Tensor AttnW, Tensor AttnB, Tensor AttnProjW, Tensor AttnProjB,
        Tensor Ln2W, Tensor Ln2B, Tensor FcW, Tensor FcB, Tensor MlpProjW, Tensor MlpProjB);

    /// <summary>A model with every parameter zero; fill with <see cref="InitRandom"/> or a checkpoint.</summary>
    public Gpt2(Gpt2Config config)
    {
        Config = config.Validate();
        int c = config.Hidden;
        var ps = Parameters = new ParameterSet();
        _wte = ps.Add(P + "wte.weight", new Shape(config.VocabSize, c));
        _wpe = ps.Add(P + "wpe.weight", new Shape(config.MaxPositions, c));
        _blocks = new Block[config.Layers];
        for (int i = 0; i < config.Layers; i++)
        {
            string h = $"{P}h.{i}.";
            _blocks[i] = new Block(
                ps.Add(h + "ln_1.weight", new Shape(c)), ps.Add(h + "ln_1.bias", new Shape(c)),
                ps.Add(h + "attn.c_attn.weight", new Shape(c, 3 * c)), ps.Add(h + "attn.c_attn.bias", new Shape(3 * c)),
                ps.Add(h + "attn.c_proj.weight", new Shape(c, c)), ps.Add(h + "attn.c_proj.bias", new Shape(c)),
                ps.Add(h + "ln_2.weight", new Shape(c)), ps.Add(h + "ln_2.bias", new Shape(c)),
                ps.Add(h + "mlp.c_fc.weight", new Shape(c, config.Inner)), ps.Add(h + "mlp.c_fc.bias", new Shape(config.Inner)),
                ps.Add(h + "mlp.c_proj.weight", new Shape(config.Inner, c)), ps.Add(h + "mlp.c_proj.bias", new Shape(c)));
        }
        _lnfW = ps.Add(P + "ln_f.weight", new Shape(c));
        _lnfB = ps.Add(P + "ln_f.bias", new Shape(c));
    }

    public Gpt2Config Config { get; }
    public string ModelType => "gpt2";
    public int VocabSize => Config.VocabSize;
    public int HiddenSize => Config.Hidden;
    public int LayerCount => Config.Layers;
    public int MaxSequenceLength => Config.MaxPositions;
    public ParameterSet Parameters { get; }
    public Tensor LmHeadWeight => _wte;

    /// <summary>GPT-2's initialisation: N(0, 0.02) weights, residual projections N(0, 0.02/sqrt(2L)), zero biases, unit norms.</summary>
    public Gpt2 InitRandom(int seed)
    {
        var rng = new Random(seed);
        float residualStd = 0.02f / MathF.Sqrt(2 * Config.Layers);
        foreach (var (name, t) in Parameters.Named)
        {
            if (name.EndsWith(".bias")) continue;
            if (name.Contains("ln_")) { t.AsSpan().Fill(1f); continue; }
            float std = name.EndsWith("c_proj.weight") ? residualStd : 0.02f;
            ModelInit.Normal(t.AsSpan(), rng, std);
        }
        return this;
    }

    /// <summary>Reads a Hugging Face GPT-2 directory (config.json + safetensors, sharded or not).</summary>
    public static Gpt2 Load(string directory)
    {
        using var ckpt = HfCheckpoint.Open(directory);
        return Load(ckpt);
    }

    // Hub checkpoints name tensors without the "transformer." prefix and carry the causal-mask
    // buffers attn.bias / attn.masked_bias; save_pretrained writes the prefix and no buffers.
    internal static Gpt2 Load(HfCheckpoint ckpt) =>
        ckpt.LoadModel(new Gpt2(Gpt2Config.From(ckpt.Config)), name => [name, name[P.Length..]],
            ignore: n => n.EndsWith(".attn.bias") || n.EndsWith(".attn.masked_bias") || n == "lm_head.weight");

    public void Save(string directory) => HfCheckpoint.Save(directory, Config.ToJson(), Parameters);

    public CausalLmOutput Forward(Tensor ids, bool withLogits = true) => ModelInput.Run(() => ForwardCore(ids, withLogits));

    private CausalLmOutput ForwardCore(Tensor ids, bool withLogits)
    {
        var (b, t) = ModelInput.Check("GPT-2", ids, MaxSequenceLength, "n_positions");
        int c = Config.Hidden, heads = Config.Heads, d = Config.HeadDim;
        var positions = ModelInput.Positions(b, t);
        var x = Ops.Add(Ops.Embedding(ids, _wte), Ops.Embedding(positions, _wpe));      // (B, T, C)
        var hidden = new List<Tensor>(Config.Layers + 1) { x };
        foreach (var blk in _blocks)
        {
            var h = Ops.LayerNorm(x, blk.Ln1W, blk.Ln1B, Config.LayerNormEps);
            var qkv = Ops.Conv1D(h, blk.AttnW, blk.AttnB);                             // (B, T, 3C)
            var q = Ops.SliceLastDim(qkv, 0, c).Reshape(b, t, heads, d);
            var k = Ops.SliceLastDim(qkv, c, c).Reshape(b, t, heads, d);
            var v = Ops.SliceLastDim(qkv, 2 * c, c).Reshape(b, t, heads, d);
            var a = Ops.Attention(q, k, v).Reshape(b, t, c);                           // (B, T, C)
            x = Ops.Add(x, Ops.Conv1D(a, blk.AttnProjW, blk.AttnProjB));
            h = Ops.LayerNorm(x, blk.Ln2W, blk.Ln2B, Config.LayerNormEps);
            var m = Ops.Conv1D(Ops.Gelu(Ops.Conv1D(h, blk.FcW, blk.FcB)), blk.MlpProjW, blk.MlpProjB);
            x = Ops.Add(x, m);
            hidden.Add(x);
        }
        var final = Ops.LayerNorm(x, _lnfW, _lnfB, Config.LayerNormEps);
        var logits = withLogits ? Ops.Linear(final, _wte) : null;                      // (B, T, V)
        return new CausalLmOutput(logits, hidden, final);
    }

    public void Dispose() => Parameters.Dispose();
}
