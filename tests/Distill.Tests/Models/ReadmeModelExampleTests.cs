// The model example in README.md, kept compiling and correct: if this changes, change the README too.
using Distill.Autograd;
using Distill.Models;
using Distill.Tensors;

namespace Distill.Tests.Models;

public class ReadmeModelExampleTests
{
    [Fact]
    public void ReadmeModelExampleRuns()
    {
        string directory = ModelGolden.Dir("gpt2");
        // --- README example start ---
        using var model = CausalLm.Load(directory);              // config.json + model.safetensors (or shards)
        int[] tokens = [15, 42, 7, 99, 3, 64, 8, 21];
        using var ids = Tensor.FromArray(tokens[..^1], 1, 7);    // (B, T) input ids
        using var targets = Tensor.FromArray(tokens[1..], 1, 7); // next-token labels

        using var tape = Tape.Record();                           // activations live until the tape closes
        var logits = model.Forward(ids).Logits!;                  // (1, 7, V)
        var loss = Ops.CrossEntropy(logits, targets);             // mean next-token CE
        tape.Backward(loss);                                      // gradients in model.Parameters
        Console.WriteLine($"{model.ModelType}: logits {logits.Shape}, loss {loss.Item():F4}");
        // --- README example end ---
        Assert.Equal(new Shape(1, 7, model.VocabSize), logits.Shape);
        Assert.InRange(loss.Item(), 1f, 10f);
        Assert.NotNull(model.Parameters["transformer.wte.weight"].Grad);
    }
}
