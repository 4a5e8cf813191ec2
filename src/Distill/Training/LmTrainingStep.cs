// One plain language-model training step: forward on a tape, next-token cross-entropy, backward,
// global-norm clipping and AdamW. Activations go back to the pool when the step's tape closes, and
// gradients and optimizer state are allocated once, so steps after the first allocate no large buffers.
using Distill.Autograd;
using Distill.Models;
using Distill.Optim;
using Distill.Tensors;

namespace Distill.Training;

public sealed class LmTrainingStep : IDisposable
{
    public LmTrainingStep(ICausalLm model, AdamWOptions options)
    {
        Model = model;
        Optimizer = new AdamW(model.Parameters.Tensors, options);
    }

    public ICausalLm Model { get; }
    public AdamW Optimizer { get; }

    /// <summary>Result of one step: the loss before the update and the gradient norm before clipping.</summary>
    public readonly record struct Result(float Loss, double GradNorm);

    /// <summary>ids (B, T) and targets (B, T) I32, ignore index -100.</summary>
    public Result Run(Tensor ids, Tensor targets)
    {
        float loss;
        Optimizer.ZeroGrad();
        using (var tape = Tape.Record())
        {
            var logits = Model.Forward(ids).Logits!;
            var ce = Ops.CrossEntropy(logits, targets);
            tape.Backward(ce);
            loss = ce.Item();
        }
        double norm = Optimizer.Step();
        return new Result(loss, norm);
    }

    public void Dispose() => Optimizer.Dispose();
}
