// Tiny LLaMA (2 layers, width 48, 4 query heads / 2 KV heads of 12, SwiGLU 97, vocab 101, untied head)
// against the PyTorch reference: single file, two shards with an index, an F16 file, gradients, training.
using Distill.Models;
using Distill.Tests.Support;

namespace Distill.Tests.Models;

public class LlamaGoldenTests
{
    [Fact]
    public void LogitsMatchPyTorch()
    {
        using var model = Llama.Load(ModelGolden.Dir("llama"));
        using var reference = Golden.Open("llama_reference.safetensors");
        ModelGolden.LogitsMatch(model, reference);
    }

    [Fact]
    public void ShardedCheckpointLoadsTheSameModel()
    {
        using var model = CausalLm.Load(ModelGolden.Dir("llama_sharded"));
        using var reference = Golden.Open("llama_reference.safetensors");
        ModelGolden.LogitsMatch(model, reference);
    }

    [Fact]
    public void F16WeightsLoadAndGiveTheirLogits()
    {
        using var model = Llama.Load(ModelGolden.Dir("llama_f16"));
        using var reference = Golden.Open("llama_reference.safetensors");
        ModelGolden.LogitsMatch(model, reference, "logits_f16");
    }

    [Fact]
    public void LossAndEveryGradientMatchPyTorch()
    {
        using var model = Llama.Load(ModelGolden.Dir("llama"));
        using var reference = Golden.Open("llama_reference.safetensors");
        ModelGolden.LossAndGradientsMatch(model, reference);
    }

    [Fact]
    public void TenAdamWStepsFollowPyTorchsLossCurve()
    {
        using var model = Llama.Load(ModelGolden.Dir("llama"));
        using var reference = Golden.Open("llama_reference.safetensors");
        ModelGolden.AdamWCurveMatches(model, reference);
    }
}
