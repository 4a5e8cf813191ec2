// Whole-model throughput at the anchor configs (../shared/anchors/README.md), B=8, T=256, vocab 8192:
// a GPT-2 student training step (4 layers, width 256, 4 heads: forward, CE, backward, clip, AdamW) and
// a teacher forward with no tape (6 layers, width 512, 8 heads). GFLOP/s counts matmul work as the
// anchor does (linear layers, LM head, full T x T attention products); backward is twice forward.
// Memory: peak pooled bytes, process peak RSS, and fresh large allocations after the first step are
// printed at cleanup (see the benchmark log) and written to BenchmarkDotNet.Artifacts/model-memory.txt.
using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Distill.Autograd;
using Distill.Models;
using Distill.Optim;
using Distill.Tensors;
using Distill.Training;

namespace Distill.Benchmarks;

public class ModelBenchmarks
{
    private const int B = 8, T = 256, Vocab = 8192;

    private static Gpt2Config Student => new() { VocabSize = Vocab, MaxPositions = T, Hidden = 256, Layers = 4, Heads = 4, Inner = 1024 };
    private static Gpt2Config Teacher => new() { VocabSize = Vocab, MaxPositions = T, Hidden = 512, Layers = 6, Heads = 8, Inner = 2048 };

    private Gpt2 _student = null!, _teacher = null!;
    private LmTrainingStep _step = null!;
    private Tensor _ids = null!, _targets = null!;
    private long _largeAfterFirst;

    [GlobalSetup]
    public void Setup()
    {
        _student = new Gpt2(Student).InitRandom(1);
        _teacher = new Gpt2(Teacher).InitRandom(2);
        _step = new LmTrainingStep(_student, new AdamWOptions { LearningRate = 3e-4f, WeightDecay = 0.1f, MaxGradNorm = 1f });
        var rng = new Random(3);
        var ids = new int[B * T];
        for (int i = 0; i < ids.Length; i++) ids[i] = rng.Next(Vocab);
        _ids = Tensor.FromArray(ids, B, T);
        _targets = Tensor.FromArray(ids.Skip(1).Append(0).ToArray(), B, T);
        _step.Run(_ids, _targets);      // first step allocates gradients, optimizer state and the pool's blocks
        TeacherForward();
        _largeAfterFirst = BufferPool.Shared.LargeAllocations;
    }

    [Benchmark]
    public float StudentTrainStep() => _step.Run(_ids, _targets).Loss;

    [Benchmark]
    public float TeacherForward()
    {
        using var tape = Tape.Record();
        using var noGrad = Tape.NoGrad();
        return _teacher.Forward(_ids).Logits!.AsSpan()[0];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        var p = Process.GetCurrentProcess();
        string line = $"model-memory: fresh large allocations after the first step: {BufferPool.Shared.LargeAllocations - _largeAfterFirst}; " +
                      $"peak pooled bytes in use {BufferPool.Shared.PeakBytesInUse / 1048576.0:F0} MiB; pool holds {BufferPool.Shared.BytesHeld / 1048576.0:F0} MiB; " +
                      $"process peak RSS {p.PeakWorkingSet64 / 1048576.0:F0} MiB";
        Console.WriteLine(line);
        Directory.CreateDirectory("BenchmarkDotNet.Artifacts");
        File.AppendAllText(Path.Combine("BenchmarkDotNet.Artifacts", "model-memory.txt"), line + Environment.NewLine);
        _step.Dispose();
        _student.Dispose();
        _teacher.Dispose();
    }

    public static double Flops(BenchmarkCase c) => c.Descriptor.WorkloadMethod.Name == nameof(StudentTrainStep)
        ? 3 * ForwardMatmulFlops(Student) : ForwardMatmulFlops(Teacher);

    public static double Tokens(BenchmarkCase c) => B * T;

    /// <summary>2 * tokens * (12 C^2 per layer + C V for the head) + 4 B T^2 C per layer for attention.</summary>
    public static double ForwardMatmulFlops(Gpt2Config g)
    {
        double n = B * T, c = g.Hidden;
        return 2 * n * (g.Layers * (4 * c * c + 2 * c * g.Inner) + c * g.VocabSize) + g.Layers * 4.0 * B * T * T * c;
    }
}
