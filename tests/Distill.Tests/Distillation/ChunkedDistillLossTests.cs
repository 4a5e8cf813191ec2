// The chunked fused head + loss against the unchunked path (Ops.Linear for the full logits, then
// DistillLoss.Compute / ComputeSparse): loss, parts, dHidden and dW for chunk sizes 1, a non-divisor of
// N, N and more than N, for every teacher-signal kind, several divergences, with and without targets,
// under an upstream gradient, into gradients that already hold values, and through a tape-owned hidden.
using Distill.Autograd;
using Distill.Losses;
using Distill.Tensors;
using Distill.Tests.Support;

namespace Distill.Tests.Distillation;

public class ChunkedDistillLossTests
{
    private const int B = 3, T = 7, N = B * T, C = 8, Ct = 12, V = 37, K = 5;

    public enum Signal { Hidden, Logits, TopK }

    /// <summary>One problem: student hidden and head, teacher hidden and head, targets with masked rows, a top-k cache.</summary>
    private sealed class Problem : IDisposable
    {
        public readonly Tensor Hidden = Tensor.FromArray(Rand.Normal(N * C, 1), B, T, C);        // (B, T, C)
        public readonly Tensor Head = Tensor.FromArray(Rand.Normal(V * C, 2, 0.7f), V, C);        // (V, C)
        public readonly Tensor TeacherHidden = Tensor.FromArray(Rand.Normal(N * Ct, 3), B, T, Ct); // (B, T, Ct)
        public readonly Tensor TeacherHead = Tensor.FromArray(Rand.Normal(V * Ct, 4, 0.5f), V, Ct); // (V, Ct)
        public readonly Tensor TeacherLogits;                                                     // (B, T, V)
        public readonly Tensor Targets;                                                           // (B, T)
        public readonly Tensor TopIds, TopLogits, TopLse;                                         // (N, K), (N, K), (N)

        public Problem(float temperature)
        {
            Hidden.RequiresGrad = true;
            Head.RequiresGrad = true;
            TeacherLogits = Tensor.Empty(new Shape(B, T, V));
            Distill.Backends.Backend.For(Hidden).MatMul(TeacherHidden, TeacherHead, TeacherLogits, false, true);
            var targets = Rand.Ints(N, 5, V);
            targets[0] = targets[8] = targets[N - 1] = -100;
            Targets = Tensor.FromArray(targets, B, T);
            var rng = new Random(6);
            var ids = new int[N * K];
            var top = new float[N * K];
            var lse = new float[N];
            var zt = TeacherLogits.ToArray();
            for (int r = 0; r < N; r++)
            {
                var pick = Enumerable.Range(0, V).OrderBy(_ => rng.Next()).Take(K).ToArray();
                for (int j = 0; j < K; j++) { ids[r * K + j] = pick[j]; top[r * K + j] = zt[r * V + pick[j]]; }
                double m = zt.Skip(r * V).Take(V).Max() / temperature;
                lse[r] = (float)(m + Math.Log(zt.Skip(r * V).Take(V).Sum(z => Math.Exp(z / temperature - m))));
            }
            TopIds = Tensor.FromArray(ids, N, K);
            TopLogits = Tensor.FromArray(top, N, K);
            TopLse = Tensor.FromArray(lse, N);
        }

        public TeacherSignal SignalOf(Signal kind) => kind switch
        {
            Signal.Hidden => new TeacherSignal.FromHidden(TeacherHidden, TeacherHead),
            Signal.Logits => new TeacherSignal.FromLogits(TeacherLogits),
            _ => new TeacherSignal.TopK(TopIds, TopLogits, TopLse),
        };

        public void ClearGrads()
        {
            foreach (var t in new[] { Hidden, Head }) { t.Grad?.Dispose(); t.Grad = null; }
        }

        public void Dispose()
        {
            ClearGrads();
            foreach (var t in new[] { Hidden, Head, TeacherHidden, TeacherHead, TeacherLogits, Targets, TopIds, TopLogits, TopLse }) t.Dispose();
        }
    }

    private sealed record Outcome(float Loss, float Soft, float Hard, int Tokens, float[] DHidden, float[] DHead);

    /// <summary>Loss and gradients of upstream * loss; gradients start from `preset` (accumulation).</summary>
    private static Outcome Run(Problem p, Func<Tensor, (Tensor Loss, float Soft, float Hard, int Tokens)> loss, float upstream,
        bool throughOp, float preset = 0f)
    {
        p.ClearGrads();
        if (preset != 0f)
        {
            Ops.GradOf(p.Hidden).AsSpan().Fill(preset);
            Ops.GradOf(p.Head).AsSpan().Fill(preset);
        }
        Outcome o;
        using (var tape = Tape.Record())
        {
            var h = throughOp ? Ops.Scale(p.Hidden, 1f) : p.Hidden;    // a tape-owned hidden takes the adoption path
            var r = loss(h);
            var l = upstream == 1f ? r.Loss : Ops.Scale(r.Loss, upstream);
            tape.Backward(l);
            o = new Outcome(r.Loss.Item(), r.Soft, r.Hard, r.Tokens, p.Hidden.Grad!.ToArray(), p.Head.Grad!.ToArray());
        }
        return o;
    }

    private static Outcome Unchunked(Problem p, Signal kind, Tensor? targets, DistillLossOptions options, float upstream, bool throughOp, float preset = 0f) =>
        Run(p, h =>
        {
            var logits = Ops.Linear(h, p.Head);                                                   // (B, T, V)
            var r = kind == Signal.TopK
                ? DistillLoss.ComputeSparse(logits.Reshape(N, V), p.TopIds, p.TopLogits, p.TopLse, targets?.Reshape(N), options)
                : DistillLoss.Compute(logits, p.TeacherLogits, targets, options);
            return (r.Loss, r.Soft, r.Hard, r.Tokens);
        }, upstream, throughOp, preset);

    private static Outcome Chunked(Problem p, Signal kind, Tensor? targets, DistillLossOptions options, int chunkRows, float upstream, bool throughOp, float preset = 0f) =>
        Run(p, h =>
        {
            var r = ChunkedDistillLoss.Compute(h, p.Head, targets, p.SignalOf(kind), options, chunkRows);
            Assert.Equal(Math.Min(chunkRows, N), r.ChunkRows);
            return (r.Loss, r.Soft, r.Hard, r.Tokens);
        }, upstream, throughOp, preset);

    private static void Same(Outcome expected, Outcome actual, string what)
    {
        Close.Scalar(expected.Loss, actual.Loss, 1e-6, 1e-5, what + " loss");
        Close.Scalar(expected.Soft, actual.Soft, 1e-6, 1e-5, what + " soft");
        Close.Scalar(expected.Hard, actual.Hard, 1e-6, 1e-5, what + " hard");
        Assert.Equal(expected.Tokens, actual.Tokens);
        Close.All(expected.DHidden, actual.DHidden, 1e-6, 1e-4, what + " dHidden");
        Close.All(expected.DHead, actual.DHead, 1e-6, 1e-4, what + " dW");
    }

    public static IEnumerable<object[]> Cases()
    {
        foreach (Signal kind in Enum.GetValues<Signal>())
            foreach (int chunk in new[] { 1, 4, N, N + 5 })      // 4 does not divide 21: the last chunk has 1 row
                yield return [kind, chunk];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ChunkedEqualsUnchunked(Signal kind, int chunkRows)
    {
        var options = new DistillLossOptions { Temperature = 2f };
        using var p = new Problem(options.Temperature);
        var expected = Unchunked(p, kind, p.Targets, options, 1f, false);
        Same(expected, Chunked(p, kind, p.Targets, options, chunkRows, 1f, false), $"{kind}, {chunkRows} rows/chunk");
        Assert.Equal(N - 3, expected.Tokens);
    }

    [Theory]
    [InlineData(Divergence.ReverseKl, Signal.Hidden)]
    [InlineData(Divergence.Jsd, Signal.Logits)]
    [InlineData(Divergence.SkewKl, Signal.Hidden)]
    [InlineData(Divergence.TotalVariation, Signal.Logits)]
    [InlineData(Divergence.ForwardKl, Signal.TopK)]
    public void OtherDivergencesAndNoTargets(Divergence divergence, Signal kind)
    {
        var options = new DistillLossOptions { Divergence = divergence, Temperature = 1.5f, SoftWeight = 0.7f, HardWeight = 0.3f,
            Tail = SparseTail.Bucket };
        using var p = new Problem(options.Temperature);
        Same(Unchunked(p, kind, p.Targets, options, 1f, false), Chunked(p, kind, p.Targets, options, 4, 1f, false), $"{divergence} with targets");
        var noTargets = Chunked(p, kind, null, options, 4, 1f, false);
        Same(Unchunked(p, kind, null, options, 1f, false), noTargets, $"{divergence} without targets");
        Assert.Equal(N, noTargets.Tokens);
        Assert.Equal(0f, noTargets.Hard);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UpstreamGradientScalesAndGradientsAccumulate(bool throughOp)
    {
        var options = new DistillLossOptions { Temperature = 2f };
        using var p = new Problem(options.Temperature);
        Same(Unchunked(p, Signal.Hidden, p.Targets, options, 3f, throughOp, preset: 0.25f),
             Chunked(p, Signal.Hidden, p.Targets, options, 4, 3f, throughOp, preset: 0.25f), "3 * loss onto preset gradients");
        Same(Unchunked(p, Signal.Logits, p.Targets, options, 1f, throughOp),
             Chunked(p, Signal.Logits, p.Targets, options, 5, 1f, throughOp), "tape-owned hidden");
    }

    [Fact]
    public void WithoutATapeNothingIsDifferentiated()
    {
        var options = new DistillLossOptions { Temperature = 2f };
        using var p = new Problem(options.Temperature);
        var expected = Unchunked(p, Signal.Hidden, p.Targets, options, 1f, false);
        p.ClearGrads();
        var r = ChunkedDistillLoss.Compute(p.Hidden, p.Head, p.Targets, p.SignalOf(Signal.Hidden), options, 6);
        using var loss = r.Loss;
        Close.Scalar(expected.Loss, loss.Item(), 1e-6, 1e-5, "loss");
        Assert.False(loss.RequiresGrad);
        Assert.Null(p.Hidden.Grad);
    }

    [Fact]
    public void EveryRowIgnoredGivesZero()
    {
        var options = new DistillLossOptions();
        using var p = new Problem(1f);
        using var ignored = Tensor.FromArray(Enumerable.Repeat(-100, N).ToArray(), B, T);
        var o = Chunked(p, Signal.Logits, ignored, options, 4, 1f, false);
        Assert.Equal(0, o.Tokens);
        Assert.Equal(0f, o.Loss);
        Assert.All(o.DHidden, g => Assert.Equal(0f, g));
        Assert.All(o.DHead, g => Assert.Equal(0f, g));
    }

    [Fact]
    public void ChunkRowsFollowTheBudget()
    {
        Assert.Equal(1024, ChunkedDistillLoss.ChunkRowsFor(2048, 8192, teacherLogitsToo: true));       // 64 MiB / (2 x 32 KiB)
        Assert.Equal(256, ChunkedDistillLoss.ChunkRowsFor(2048, 32768, teacherLogitsToo: true));
        Assert.Equal(512, ChunkedDistillLoss.ChunkRowsFor(2048, 32768, teacherLogitsToo: false));
        Assert.Equal(100, ChunkedDistillLoss.ChunkRowsFor(100, 8192, true));                              // never more than N
        Assert.Equal(256, ChunkedDistillLoss.ChunkRowsFor(2048, 32768, true, budgetBytes: 16 << 20));   // the floor: 64 rows would fit
        Assert.Equal(64, ChunkedDistillLoss.ChunkRowsFor(2048, 32768, true, budgetBytes: 16 << 20, minRows: 1));
        Assert.Equal(1, ChunkedDistillLoss.ChunkRowsFor(10, 1 << 20, true, budgetBytes: 1000, minRows: 1));   // at least one row
    }

    [Fact]
    public void MismatchedInputsAreRejectedNamingTheProblem()
    {
        var options = new DistillLossOptions();
        using var p = new Problem(1f);
        using var wrongVocab = Tensor.Zeros(new Shape(N, V + 1));
        Assert.Contains("vocabulary 37", Assert.Throws<ArgumentException>(() =>
            ChunkedDistillLoss.Compute(p.Hidden, p.Head, p.Targets, new TeacherSignal.FromLogits(wrongVocab), options)).Message);
        using var wrongWidth = Tensor.Zeros(new Shape(V, C + 1));
        Assert.Contains("width", Assert.Throws<ArgumentException>(() =>
            ChunkedDistillLoss.Compute(p.Hidden, wrongWidth, p.Targets, p.SignalOf(Signal.Logits), options)).Message);
        using var badTarget = Tensor.FromArray(Enumerable.Repeat(V, N).ToArray(), N);
        Assert.Contains("out of range", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ChunkedDistillLoss.Compute(p.Hidden, p.Head, badTarget, p.SignalOf(Signal.Logits), options)).Message);
        using var repeated = Tensor.FromArray(Enumerable.Repeat(3, N * K).ToArray(), N, K);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() =>
            ChunkedDistillLoss.Compute(p.Hidden, p.Head, p.Targets, new TeacherSignal.TopK(repeated, p.TopLogits, p.TopLse), options)).Message);
    }
}
