// A whole distillation step on a tiny GPT-2 pair (teacher 2 layers width 36, student 1 layer width 24,
// vocab 101) against PyTorch (tests/reference/reference_models.py, distill_step_cases): the loss, its
// parts, EVERY student parameter gradient (and the projections'), and the loss over 5 AdamW steps;
// plain (0.5 T^2 FKL(T=2) + 0.5 CE) and with 0.7 * hidden-state MSE through projections. The chunk
// size and the teacher's split into forwards must not change the numbers.
using System.Globalization;
using Distill.IO;
using Distill.Losses;
using Distill.Models;
using Distill.Optim;
using Distill.Tensors;
using Distill.Tests.Models;
using Distill.Tests.Support;
using Distill.Training;

namespace Distill.Tests.Distillation;

public class DistillStepGoldenTests
{
    private static float Meta(SafetensorsFile r, string key) => float.Parse(r.Metadata[key], CultureInfo.InvariantCulture);

    private static DistillerOptions Options(SafetensorsFile r, bool mse, int chunkRows, int teacherTokens) => new()
    {
        Loss = new DistillLossOptions
        {
            Divergence = Divergence.ForwardKl, Temperature = Meta(r, "temperature"),
            SoftWeight = Meta(r, "soft_weight"), HardWeight = Meta(r, "hard_weight"), IgnoreIndex = -100,
        },
        Optimizer = new AdamWOptions
        {
            LearningRate = Meta(r, "lr"), Beta1 = Meta(r, "beta1"), Beta2 = Meta(r, "beta2"), Eps = Meta(r, "eps"),
            WeightDecay = Meta(r, "weight_decay"), MaxGradNorm = Meta(r, "max_grad_norm"),
        },
        Features = mse
            ? [new FeatureLossTerm
              {
                  Kind = FeatureLossKind.Mse, Weight = Meta(r, "feature_weight"),
                  LayerMap = r.Metadata["layer_map"].Split(',').Select(p => p.Split(':')).Select(p => new LayerPair(int.Parse(p[0]), int.Parse(p[1]))).ToArray(),
              }]
            : [],
        LossChunkRows = chunkRows,
        TeacherTokensPerForward = teacherTokens,
    };

    /// <summary>A distiller on fresh copies of the two golden models, projections set to PyTorch's initial values.</summary>
    private static Distiller Make(SafetensorsFile r, bool mse, int chunkRows, int teacherTokens)
    {
        var teacher = Gpt2.Load(ModelGolden.Dir("distill_teacher"));
        var student = Gpt2.Load(ModelGolden.Dir("distill_student"));
        var d = new Distiller(student, teacher, Options(r, mse, chunkRows, teacherTokens));
        if (mse)
        {
            var projections = d.FeatureLosses[0].Projections;
            for (int k = 0; k < projections.Count; k++)
            {
                using var w = r.LoadF32($"projection.{k}.weight");
                using var b = r.LoadF32($"projection.{k}.bias");
                w.AsSpan().CopyTo(projections[k]!.Weight.AsSpan());
                b.AsSpan().CopyTo(projections[k]!.Bias.AsSpan());
            }
        }
        return d;
    }

    private static void Release(Distiller d)
    {
        d.Dispose();
        d.Student.Dispose();
        d.Teacher!.Dispose();
    }

    [Theory]
    [InlineData(false, 0, 512)]     // one chunk, whole batch in one teacher forward
    [InlineData(false, 5, 13)]      // 6 chunks of 5 rows (the last 1), one sequence per teacher forward
    [InlineData(false, 1, 0)]
    [InlineData(true, 0, 512)]
    [InlineData(true, 7, 13)]
    public void LossAndEveryGradientMatchPyTorch(bool mse, int chunkRows, int teacherTokens)
    {
        using var r = Golden.Open("distill_step_reference.safetensors");
        string p = mse ? "mse." : "";
        var d = Make(r, mse, chunkRows, teacherTokens);
        try
        {
            using var ids = r.Load("ids");
            using var targets = r.Load("targets");
            var m = d.ComputeGradients(ids, targets);
            Close.Scalar(r.LoadF32(p + "loss").Item(), m.Loss, 1e-5, 1e-5, "loss");
            Close.Scalar(r.LoadF32(p + "soft").Item(), m.Soft, 1e-5, 1e-5, "soft (forward KL at T=2)");
            Close.Scalar(r.LoadF32(p + "hard").Item(), m.Hard, 1e-5, 1e-5, "hard (cross-entropy)");
            Assert.Equal(22, m.Tokens);                      // 26 positions less 2 masked prompt tokens and the 2 last positions
            if (mse) Close.Scalar(r.LoadF32(p + "feature").Item(), m.Features[0], 1e-5, 1e-5, "hidden-state MSE");
            Close.Scalar(r.LoadF32(p + "grad_norm").Item(), d.Optimizer.GradNorm(), 1e-5, 1e-4, "gradient norm");
            foreach (var (name, t) in d.Student.Parameters.Named)
            {
                using var g = r.LoadF32(p + "grad." + name);
                Close.All(g.AsSpan(), t.Grad!.AsSpan(), 1e-5, 1e-3, $"grad of {name}");
            }
            if (mse)
            {
                var projections = d.FeatureLosses[0].Projections;
                for (int k = 0; k < projections.Count; k++)
                {
                    using var gw = r.LoadF32($"{p}grad.projection.{k}.weight");
                    using var gb = r.LoadF32($"{p}grad.projection.{k}.bias");
                    Close.All(gw.AsSpan(), projections[k]!.Weight.Grad!.AsSpan(), 1e-5, 1e-3, $"grad of projection {k} weight");
                    Close.All(gb.AsSpan(), projections[k]!.Bias.Grad!.AsSpan(), 1e-5, 1e-3, $"grad of projection {k} bias");
                }
            }
        }
        finally
        {
            Release(d);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AdamWLossCurveMatchesPyTorch(bool mse)
    {
        using var r = Golden.Open("distill_step_reference.safetensors");
        var d = Make(r, mse, 5, 13);
        try
        {
            using var ids = r.Load("ids");
            using var targets = r.Load("targets");
            using var expected = r.LoadF32((mse ? "mse." : "") + "adamw_losses");
            var losses = new float[expected.Numel];
            for (int i = 0; i < losses.Length; i++) losses[i] = d.Step(ids, targets).Loss;
            Close.All(expected.AsSpan(), losses, 1e-4, 0, "distillation loss over AdamW steps");
        }
        finally
        {
            Release(d);
        }
    }
}
