// Tiny GPT-2 (2 layers, width 36, 3 heads of 12, vocab 101) and tiny LLaMA (2 layers, width 48, 4 query
// / 2 KV heads of 12, SwiGLU 97, untied head) against the PyTorch reference written by
// tests/reference/reference_models.py: every on-disk layout, logits, loss, every gradient, training.
using Distill.Models;
using Distill.Tests.Support;

namespace Distill.Tests.Models;

public class ModelGoldenTests
{
    /// <summary>Model directory under golden/models, its reference file, and which logits it must give.</summary>
    public static TheoryData<string, string, string> Layouts => new()
    {
        { "gpt2", "gpt2", "logits" },                 // save_pretrained layout (transformer. prefix)
        { "gpt2_hub", "gpt2", "logits" },             // hub layout: no prefix, attn.bias / masked_bias buffers
        { "gpt2_bf16", "gpt2", "logits_bf16" },       // BF16 weights, held as F32
        { "llama", "llama", "logits" },
        { "llama_sharded", "llama", "logits" },       // two shards + model.safetensors.index.json
        { "llama_f16", "llama", "logits_f16" },       // F16 weights
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void LogitsMatchPyTorch(string directory, string reference, string logits)
    {
        using var model = CausalLm.Load(ModelGolden.Dir(directory));
        using var golden = Golden.Open($"{reference}_reference.safetensors");
        ModelGolden.LogitsMatch(model, golden, logits);
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void LossAndEveryGradientMatchPyTorch(string name)
    {
        using var model = CausalLm.Load(ModelGolden.Dir(name));
        using var golden = Golden.Open($"{name}_reference.safetensors");
        ModelGolden.LossAndGradientsMatch(model, golden);
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void TenAdamWStepsFollowPyTorchsLossCurve(string name)
    {
        using var model = CausalLm.Load(ModelGolden.Dir(name));
        using var golden = Golden.Open($"{name}_reference.safetensors");
        ModelGolden.AdamWCurveMatches(model, golden);
    }
}
