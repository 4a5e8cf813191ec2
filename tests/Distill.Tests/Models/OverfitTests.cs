// Training works end to end: a fresh tiny GPT-2 memorises one fixed batch.
using Distill.Models;
using Distill.Optim;
using Distill.Tensors;
using Distill.Tests.Support;
using Distill.Training;

namespace Distill.Tests.Models;

public class OverfitTests
{
    [Fact]
    public void TinyGpt2DrivesTheLossOnOneBatchBelowFiveHundredths()
    {
        var config = new Gpt2Config { VocabSize = 101, MaxPositions = 32, Hidden = 64, Layers = 2, Heads = 4, Inner = 256 };
        using var model = new Gpt2(config).InitRandom(seed: 5);
        var data = Rand.Ints(4 * 17, 9, 101);
        var ids = new int[4 * 16];
        var targets = new int[4 * 16];
        for (int b = 0; b < 4; b++)
            for (int t = 0; t < 16; t++)
            {
                ids[b * 16 + t] = data[b * 17 + t];
                targets[b * 16 + t] = data[b * 17 + t + 1];
            }
        using var idsT = Tensor.FromArray(ids, 4, 16);
        using var targetsT = Tensor.FromArray(targets, 4, 16);
        using var step = new LmTrainingStep(model, new AdamWOptions { LearningRate = 3e-3f, WeightDecay = 0f, MaxGradNorm = 1f });
        float first = step.Run(idsT, targetsT).Loss, last = first;
        for (int i = 0; i < 300 && last >= 0.05f; i++) last = step.Run(idsT, targetsT).Loss;
        Assert.True(first > 4f, $"initial loss {first} should be near ln(101) = 4.6");
        Assert.True(last < 0.05f, $"loss after training {last}, want < 0.05");
    }
}
