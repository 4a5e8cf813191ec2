// The C# example in README.md, kept compiling and correct: if this changes, change the README too.
using Distill.Autograd;
using Distill.Tensors;

namespace Distill.Tests.Autograd;

public class ReadmeExampleTests
{
    [Fact]
    public void ReadmeExampleRuns()
    {
        // --- README example start ---
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);      // (2, 3)
        using var w = Tensor.FromArray(new float[] { 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f }, 2, 3); // (Out 2, In 3)
        using var targets = Tensor.FromArray(new[] { 1, 0 }, 2);
        w.RequiresGrad = true;

        float loss;
        using (var tape = Tape.Record())                   // records ops; owns their outputs
        {
            var logits = Ops.Linear(x, w);                 // x @ w^T, (2, 2)
            var ce = Ops.CrossEntropy(logits, targets);    // fused loss + dlogits, mean over rows
            tape.Backward(ce);                             // w.Grad now holds dLoss/dw
            loss = ce.Item();
        }                                                  // activations go back to the pool here
        float[] grad = w.Grad!.ToArray();
        // --- README example end ---

        // logits row 0 = (1.4, 3.2), row 1 = (3.2, 7.7); CE = mean(lse - z[target]).
        static double Lse(double a, double b) => Math.Max(a, b) + Math.Log(Math.Exp(a - Math.Max(a, b)) + Math.Exp(b - Math.Max(a, b)));
        double expected = ((Lse(1.4, 3.2) - 3.2) + (Lse(3.2, 7.7) - 3.2)) / 2;
        Assert.Equal(expected, loss, 5);
        // dL/dw = dlogits^T x / 2, with dlogits = softmax - onehot.
        double p01 = 1 / (1 + Math.Exp(1.4 - 3.2)), p11 = 1 / (1 + Math.Exp(3.2 - 7.7));
        double[] dl = { 1 - p01 - 0, p01 - 1, (1 - p11) - 1, p11 };   // rows: (d z0, d z1)
        double[] xs = { 1, 2, 3, 4, 5, 6 };
        for (int o = 0; o < 2; o++)
            for (int i = 0; i < 3; i++)
                Assert.Equal((dl[o] * xs[i] + dl[2 + o] * xs[3 + i]) / 2, grad[o * 3 + i], 5);
        w.Grad.Dispose();
    }
}
