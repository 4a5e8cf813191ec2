// Tiny GPT-2 (2 layers, width 36, 3 heads of 12, vocab 101) against the PyTorch reference written by
// tests/reference/reference_models.py: both on-disk layouts, a BF16 file, gradients and training.
using Distill.Models;
using Distill.Tests.Support;

namespace Distill.Tests.Models;

public class Gpt2GoldenTests
{
    [Fact]
    public void LogitsMatchPyTorch()
    {
        using var model = Gpt2.Load(ModelGolden.Dir("gpt2"));
        using var reference = Golden.Open("gpt2_reference.safetensors");
        ModelGolden.LogitsMatch(model, reference);
    }

    [Fact]
    public void HubLayoutWithoutPrefixAndWithMaskBuffersLoadsTheSameModel()
    {
        using var model = (Gpt2)CausalLm.Load(ModelGolden.Dir("gpt2_hub"));
        using var reference = Golden.Open("gpt2_reference.safetensors");
        ModelGolden.LogitsMatch(model, reference);
    }

    [Fact]
    public void Bf16WeightsLoadAndGiveTheirLogits()
    {
        using var model = Gpt2.Load(ModelGolden.Dir("gpt2_bf16"));
        using var reference = Golden.Open("gpt2_reference.safetensors");
        ModelGolden.LogitsMatch(model, reference, "logits_bf16");
    }

    [Fact]
    public void LossAndEveryGradientMatchPyTorch()
    {
        using var model = Gpt2.Load(ModelGolden.Dir("gpt2"));
        using var reference = Golden.Open("gpt2_reference.safetensors");
        ModelGolden.LossAndGradientsMatch(model, reference);
    }

    [Fact]
    public void TenAdamWStepsFollowPyTorchsLossCurve()
    {
        using var model = Gpt2.Load(ModelGolden.Dir("gpt2"));
        using var reference = Golden.Open("gpt2_reference.safetensors");
        ModelGolden.AdamWCurveMatches(model, reference);
    }
}
