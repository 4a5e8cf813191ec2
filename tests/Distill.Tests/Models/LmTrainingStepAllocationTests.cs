// The training-step API reuses its buffers: after the first step (which creates gradients, optimizer
// state and the pool's blocks), further steps allocate no fresh large buffer.
using Distill.Models;
using Distill.Optim;
using Distill.Tensors;
using Distill.Tests.Support;
using Distill.Training;

namespace Distill.Tests.Models;

[Collection("Serial allocation counts")]
public class LmTrainingStepAllocationTests
{
    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void StepsAfterTheFirstAllocateNoLargeBuffers(string kind)
    {
        // Logits (4, 64, 4096) are 4 MiB, well above the 1 MiB "large" line; so are the MLP activations.
        using ICausalLm model = kind == "gpt2"
            ? new Gpt2(new Gpt2Config { VocabSize = 4096, MaxPositions = 64, Hidden = 128, Layers = 2, Heads = 4, Inner = 512 }).InitRandom(1)
            : new Llama(new LlamaConfig { VocabSize = 4096, Hidden = 128, Intermediate = 352, Layers = 2, Heads = 4, KvHeads = 2, HeadDim = 32, MaxPositions = 64 }).InitRandom(1);
        var data = Rand.Ints(4 * 65, 2, 4096);
        using var ids = Tensor.FromArray(Enumerable.Range(0, 4 * 64).Select(i => data[i / 64 * 65 + i % 64]).ToArray(), 4, 64);
        using var targets = Tensor.FromArray(Enumerable.Range(0, 4 * 64).Select(i => data[i / 64 * 65 + i % 64 + 1]).ToArray(), 4, 64);
        using var step = new LmTrainingStep(model, new AdamWOptions { MaxGradNorm = 1f });
        step.Run(ids, targets);
        long after1 = BufferPool.Shared.LargeAllocations;
        float last = 0;
        for (int i = 0; i < 3; i++) last = step.Run(ids, targets).Loss;
        Assert.Equal(after1, BufferPool.Shared.LargeAllocations);
        Assert.True(float.IsFinite(last));
    }
}
