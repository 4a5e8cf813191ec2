// The full distillation step at the anchor configs (../shared/anchors/README.md): GPT-2 style, tied heads,
// B=8, T=256; teacher 6 layers width 512 (8 heads), student 4 layers width 256 (4 heads); vocab 8192
// ("small") or 32768 ("bigvocab"); loss 0.5 T^2 FKL(T=2) + 0.5 CE; step = teacher forward (no tape) +
// student forward/backward with the chunked fused head + loss + AdamW (lr 3e-4, wd 0.1, no clipping,
// as the PyTorch anchor). PyTorch (tuned) does 694 ms/step, 2953 tok/s, peak RSS 1132 MiB (small) and
// 1246 ms, 1644 tok/s, 2991 MiB (bigvocab). Memory (pool peak, process peak RSS, the fused loss's
// extra buffers, fresh large allocations after the first step) and the median phase split are printed
// at cleanup and appended to BenchmarkDotNet.Artifacts/distill-memory.txt.
using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Distill.Losses;
using Distill.Models;
using Distill.Optim;
using Distill.Tensors;
using Distill.Training;

namespace Distill.Benchmarks;

public class DistillBenchmarks
{
    private const int B = 8, T = 256;

    [Params("small", "bigvocab")]
    public string Config { get; set; } = "small";

    private int Vocab => Config == "bigvocab" ? 32768 : 8192;
    private Gpt2Config Student => new() { VocabSize = Vocab, MaxPositions = T, Hidden = 256, Layers = 4, Heads = 4, Inner = 1024 };
    private Gpt2Config Teacher => new() { VocabSize = Vocab, MaxPositions = T, Hidden = 512, Layers = 6, Heads = 8, Inner = 2048 };

    private Gpt2 _student = null!, _teacher = null!;
    private Distiller _distiller = null!;
    private Tensor _ids = null!, _targets = null!;
    private long _largeAfterFirst;
    private DistillStepMetrics _first = null!;
    private readonly List<DistillStepTimings> _timings = new();

    [GlobalSetup]
    public void Setup()
    {
        _student = new Gpt2(Student).InitRandom(1);
        _teacher = new Gpt2(Teacher).InitRandom(2);
        _distiller = new Distiller(_student, _teacher, new DistillerOptions
        {
            Loss = new DistillLossOptions { Divergence = Divergence.ForwardKl, Temperature = 2f, SoftWeight = 0.5f, HardWeight = 0.5f },
            Optimizer = new AdamWOptions { LearningRate = 3e-4f, WeightDecay = 0.1f },
        });
        var rng = new Random(3);
        var ids = new int[B * T];
        var targets = new int[B * T];
        for (int i = 0; i < ids.Length; i++) ids[i] = rng.Next(Vocab);
        for (int i = 0; i < targets.Length; i++) targets[i] = rng.Next(Vocab);   // random labels, every row counted (as the anchor)
        _ids = Tensor.FromArray(ids, B, T);
        _targets = Tensor.FromArray(targets, B, T);
        _first = _distiller.Step(_ids, _targets);     // allocates gradients, optimizer state and the pool's blocks
        _largeAfterFirst = BufferPool.Shared.LargeAllocations;
    }

    [Benchmark]
    public float DistillStep()
    {
        var m = _distiller.Step(_ids, _targets);
        _timings.Add(m.Timings);
        return m.Loss;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        var p = Process.GetCurrentProcess();
        double Median(Func<DistillStepTimings, double> f)
        {
            var v = _timings.Select(f).Order().ToArray();
            return v.Length == 0 ? double.NaN : v[v.Length / 2];
        }
        long n = B * T;
        long dHidden = n * Student.Hidden * sizeof(float), dHead = (long)Vocab * Student.Hidden * sizeof(float);
        long unchunked = 3 * n * Vocab * sizeof(float);   // student logits, teacher logits, dlogits at full size
        string line = $"distill-memory [{Config}]: fresh large allocations after the first step: {BufferPool.Shared.LargeAllocations - _largeAfterFirst}; " +
                      $"peak pooled bytes in use {BufferPool.Shared.PeakBytesInUse / 1048576.0:F0} MiB; pool holds {BufferPool.Shared.BytesHeld / 1048576.0:F0} MiB; " +
                      $"process peak RSS {p.PeakWorkingSet64 / 1048576.0:F0} MiB; fused loss: {_first.LossChunkRows} rows/chunk, " +
                      $"chunk buffers {_first.LossScratchBytes / 1048576.0:F1} MiB + dHidden {dHidden / 1048576.0:F1} MiB + dW {dHead / 1048576.0:F1} MiB " +
                      $"(unchunked logits + grads would be {unchunked / 1048576.0:F0} MiB); " +
                      $"median phases over {_timings.Count} steps: teacher fwd {Median(t => t.TeacherForwardMs):F0} / student fwd {Median(t => t.StudentForwardMs):F0} / " +
                      $"loss (head fwd+bwd) {Median(t => t.LossMs):F0} / features {Median(t => t.FeatureMs):F0} / backward {Median(t => t.BackwardMs):F0} / " +
                      $"AdamW {Median(t => t.OptimizerMs):F0} ms (total {Median(t => t.TotalMs):F0})";
        Console.WriteLine(line);
        Directory.CreateDirectory("BenchmarkDotNet.Artifacts");
        File.AppendAllText(Path.Combine("BenchmarkDotNet.Artifacts", "distill-memory.txt"), line + Environment.NewLine);
        _distiller.Dispose();
        _student.Dispose();
        _teacher.Dispose();
        _ids.Dispose();
        _targets.Dispose();
    }

    public static double Tokens(BenchmarkCase c) => B * T;

    /// <summary>Matmul work as the anchor counts it: teacher forward + 3x student forward (full T x T attention).</summary>
    public static double Flops(BenchmarkCase c)
    {
        var bench = new DistillBenchmarks { Config = (string)c.Parameters["Config"] };
        return ModelBenchmarks.ForwardMatmulFlops(bench.Teacher) + 3 * ModelBenchmarks.ForwardMatmulFlops(bench.Student);
    }
}
