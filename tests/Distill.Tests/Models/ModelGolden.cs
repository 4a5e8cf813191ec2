// Shared checks of a model against its PyTorch reference (golden/<name>_reference.safetensors):
// logits, loss, every parameter gradient, and the loss curve of 10 AdamW steps.
using System.Globalization;
using Distill.Autograd;
using Distill.IO;
using Distill.Models;
using Distill.Optim;
using Distill.Tensors;
using Distill.Tests.Support;
using Distill.Training;

namespace Distill.Tests.Models;

internal static class ModelGolden
{
    public static string Dir(string name) => Golden.PathOf(Path.Combine("models", name));

    public static void LogitsMatch(ICausalLm model, SafetensorsFile reference, string logitsName = "logits",
        double atol = 1e-5, double rtol = 1e-4)
    {
        using var ids = reference.Load("ids");
        var output = model.Forward(ids);
        using var logits = output.Logits!;
        using var expected = reference.LoadF32(logitsName);
        Assert.Equal(expected.Shape, logits.Shape);
        Close.All(expected.AsSpan(), logits.AsSpan(), atol, rtol, $"{model.ModelType} {logitsName}");
        output.Final.Dispose();
        foreach (var h in output.HiddenStates) h.Dispose();
    }

    public static void LossAndGradientsMatch(ICausalLm model, SafetensorsFile reference)
    {
        using var ids = reference.Load("ids");
        using var targets = reference.Load("targets");
        Ops.ZeroGrad(model.Parameters.Tensors);
        float loss;
        using (var tape = Tape.Record())
        {
            var ce = Ops.CrossEntropy(model.Forward(ids).Logits!, targets);
            tape.Backward(ce);
            loss = ce.Item();
        }
        Close.Scalar(reference.LoadF32("loss").Item(), loss, 1e-5, 0, $"{model.ModelType} loss");
        foreach (var (name, p) in model.Parameters.Named)
        {
            using var g = reference.LoadF32("grad." + name);
            Close.All(g.AsSpan(), p.Grad!.AsSpan(), 1e-5, 1e-3, $"grad of {name}");
        }
    }

    public static void AdamWCurveMatches(ICausalLm model, SafetensorsFile reference)
    {
        var m = reference.Metadata;
        float F(string key) => float.Parse(m[key], CultureInfo.InvariantCulture);
        var options = new AdamWOptions
        {
            LearningRate = F("lr"), Beta1 = F("beta1"), Beta2 = F("beta2"), Eps = F("eps"),
            WeightDecay = F("weight_decay"), MaxGradNorm = F("max_grad_norm"),
        };
        using var ids = reference.Load("ids");
        using var targets = reference.Load("targets");
        using var expected = reference.LoadF32("adamw_losses");
        using var step = new LmTrainingStep(model, options);
        var losses = new float[expected.Numel];
        for (int i = 0; i < losses.Length; i++) losses[i] = step.Run(ids, targets).Loss;
        Close.All(expected.AsSpan(), losses, 1e-4, 0, $"{model.ModelType} AdamW loss curve");
    }
}
