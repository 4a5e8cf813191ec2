// Gradients of attention: the double twin's backward against central differences of its forward,
// and the tape wiring of Ops.Attention (grouped KV heads) through GradCheck with the CPU kernels.
using Distill.Autograd;
using Distill.Backends.Cpu;
using Distill.Tensors;
using Distill.Tests.Support;

namespace Distill.Tests.Attention;

public class AttentionGradientTests
{
    [Theory]
    [InlineData(1, 3, 1, 1, 4)]
    [InlineData(2, 5, 4, 2, 3)]
    [InlineData(1, 6, 6, 1, 2)]
    [InlineData(2, 4, 2, 2, 5)]
    public void TwinBackwardMatchesFiniteDifferences(int b, int t, int hq, int hkv, int d)
    {
        double scale = 1.0 / Math.Sqrt(d) * 1.7;
        var q = TwinFiniteDifference.Uniform(b * t * hq * d, 1);
        var k = TwinFiniteDifference.Uniform(b * t * hkv * d, 2);
        var v = TwinFiniteDifference.Uniform(b * t * hkv * d, 3);
        var r = TwinFiniteDifference.Uniform(q.Length, 4);

        double[] Forward(double[][] x)
        {
            var o = new double[x[0].Length];
            var l = new double[b * hq * t];
            CpuReference.Attention<double>(x[0], x[1], x[2], scale, o, l, b, t, hq, hkv, d);
            return o;
        }

        var output = new double[q.Length];
        var lse = new double[b * hq * t];
        CpuReference.Attention<double>(q, k, v, scale, output, lse, b, t, hq, hkv, d);
        var dq = new double[q.Length];
        var dk = new double[k.Length];
        var dv = new double[v.Length];
        CpuReference.AttentionBackward<double>(q, k, v, output, lse, r, scale, dq, dk, dv, b, t, hq, hkv, d);
        TwinFiniteDifference.Check(Forward, [q, k, v], r, [dq, dk, dv], ["q", "k", "v"]);
    }

    [Fact]
    public void TwinLseIsLogSumExpOfCausalScores()
    {
        const int b = 1, t = 4, hq = 2, hkv = 1, d = 3;
        var q = TwinFiniteDifference.Uniform(b * t * hq * d, 5);
        var k = TwinFiniteDifference.Uniform(b * t * hkv * d, 6);
        var v = TwinFiniteDifference.Uniform(b * t * hkv * d, 7);
        var o = new double[q.Length];
        var lse = new double[b * hq * t];
        CpuReference.Attention<double>(q, k, v, 0.5, o, lse, b, t, hq, hkv, d);
        for (int h = 0; h < hq; h++)
            for (int i = 0; i < t; i++)
            {
                double sum = 0;
                for (int j = 0; j <= i; j++)
                {
                    double s = 0;
                    for (int c = 0; c < d; c++) s += q[(i * hq + h) * d + c] * k[j * d + c];
                    sum += Math.Exp(0.5 * s);
                }
                Close.Scalar(Math.Log(sum), lse[h * t + i], 1e-12, 1e-12, $"lse[{h}, {i}]");
            }
        // Row 0 attends only to key 0: its output is v[0].
        for (int h = 0; h < hq; h++)
            for (int c = 0; c < d; c++)
                Close.Scalar(v[c], o[h * d + c], 1e-12, 1e-12, $"out[0, {h}, {c}]");
    }

    [Fact]
    public void OpsAttentionGradCheckWithGroupedHeads()
    {
        const int b = 2, t = 5, hq = 4, hkv = 2, d = 4;
        using var q = Tensor.FromArray(Rand.Uniform(b * t * hq * d, 21), b, t, hq, d);
        using var k = Tensor.FromArray(Rand.Uniform(b * t * hkv * d, 22), b, t, hkv, d);
        using var v = Tensor.FromArray(Rand.Uniform(b * t * hkv * d, 23), b, t, hkv, d);
        q.Name = "q"; k.Name = "k"; v.Name = "v";
        q.RequiresGrad = k.RequiresGrad = v.RequiresGrad = true;
        var worst = GradCheck.Worst(x => Ops.Attention(x[0], x[1], x[2]), [q, k, v]);
        Assert.True(worst.Error < 1, $"worst: {worst}");
    }

    [Fact]
    public void OpsAttentionGradCheckWithOnlyKeysRequiringGrad()
    {
        // The tape rule hands the backend throwaway buffers for inputs without gradients.
        const int b = 1, t = 6, hq = 6, hkv = 1, d = 3;
        using var q = Tensor.FromArray(Rand.Uniform(b * t * hq * d, 31), b, t, hq, d);
        using var k = Tensor.FromArray(Rand.Uniform(b * t * hkv * d, 32), b, t, hkv, d);
        using var v = Tensor.FromArray(Rand.Uniform(b * t * hkv * d, 33), b, t, hkv, d);
        k.Name = "k";
        k.RequiresGrad = true;
        var worst = GradCheck.Worst(x => Ops.Attention(x[0], x[1], x[2], scale: 0.8f), [q, k, v]);
        Assert.True(worst.Error < 1, $"worst: {worst}");
        Assert.Null(q.Grad);
    }
}
