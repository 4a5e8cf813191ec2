// Matrix products: batched MatMul with transposes and the Linear layer (y = x W^T + b).
using Distill.Backends;
using Distill.Tensors;

namespace Distill.Autograd;

public static partial class Ops
{
    /// <summary>
    /// op(a) @ op(b). a: (..., M, K) or (..., K, M) with transA; b: (..., K, N) or (..., N, K) with
    /// transB; batch dims of a and b equal, or b rank 2 (shared weight). Result (..., M, N).
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b, bool transA = false, bool transB = false)
    {
        const string op = "MatMul";
        RequireF32(op, a, "a");
        RequireF32(op, b, "b");
        RequireSameDevice(op, a, b);
        if (a.Shape.Rank < 2 || b.Shape.Rank < 2)
            throw new ArgumentException($"{op}: {a.Shape} x {b.Shape}: both operands need rank >= 2");
        int m = transA ? a.Shape[-1] : a.Shape[-2], ka = transA ? a.Shape[-2] : a.Shape[-1];
        int kb = transB ? b.Shape[-1] : b.Shape[-2], n = transB ? b.Shape[-2] : b.Shape[-1];
        string desc = $"{op}: {a.Shape}{(transA ? "^T" : "")} x {b.Shape}{(transB ? "^T" : "")}";
        if (ka != kb) throw new ArgumentException($"{desc}: inner dims {ka} != {kb}");
        if (b.Shape.Rank != 2)
        {
            if (b.Shape.Rank != a.Shape.Rank)
                throw new ArgumentException($"{desc}: batch ranks differ");
            for (int i = 0; i < a.Shape.Rank - 2; i++)
                if (a.Shape[i] != b.Shape[i]) throw new ArgumentException($"{desc}: batch dims differ at axis {i}");
        }
        else if (a.Shape.Rank > 2 && transA)
            throw new ArgumentException($"{desc}: a batched, transposed a with a shared rank-2 b is not supported");
        var dims = a.Shape.ToArray();
        dims[^2] = m;
        dims[^1] = n;
        var c = NewTensor(new Shape(dims), DType.F32, a.Device);
        var be = Backend.For(a);
        be.MatMul(a, b, c, transA, transB);
        if (Recording(c, a, b) is { } tape)
        {
            tape.Push(c, () =>
            {
                var dc = c.Grad!;
                if (a.RequiresGrad)
                {
                    var da = GradOf(a);
                    if (!transA) be.MatMul(dc, b, da, false, !transB, 1f, 1f);          // dA = dC op(b)^T
                    else if (!transB) be.MatMul(b, dc, da, false, true, 1f, 1f);         // dA = b dC^T
                    else be.MatMul(b, dc, da, true, true, 1f, 1f);                       // dA = b^T dC^T
                }
                if (b.RequiresGrad)
                {
                    var db = GradOf(b);
                    bool fold = b.Shape.Rank == 2 && a.Shape.Rank > 2;
                    // A weight shared across the batch sums its gradient over the batch: fold batch into rows.
                    using var a2 = fold ? a.ViewUnrecorded(new Shape(checked((int)(a.Numel / a.Shape[-1])), a.Shape[-1])) : null;
                    using var dc2 = fold ? dc.ViewUnrecorded(new Shape(checked((int)(dc.Numel / n)), n)) : null;
                    var aa = a2 ?? a;
                    var dcc = dc2 ?? dc;
                    if (!transB) be.MatMul(aa, dcc, db, !transA, false, 1f, 1f);          // dB = op(a)^T dC
                    else if (!transA) be.MatMul(dcc, aa, db, true, false, 1f, 1f);       // dB = dC^T a
                    else be.MatMul(dcc, aa, db, true, true, 1f, 1f);                     // dB = dC^T a^T
                }
            });
        }
        return c;
    }

    /// <summary>
    /// y (..., Out) = x (..., In) @ weight^T + bias, weight (Out, In) as in torch.nn.Linear; bias (Out) or null.
    /// </summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null) => Affine("Linear", x, weight, bias, weightInOut: false);

    /// <summary>
    /// GPT-2's Conv1D: y (..., Out) = x (..., In) @ weight + bias with weight stored (In, Out), so
    /// Hugging Face GPT-2 weights are used as stored, with no transposed copy.
    /// </summary>
    public static Tensor Conv1D(Tensor x, Tensor weight, Tensor? bias) => Affine("Conv1D", x, weight, bias, weightInOut: true);

    /// <summary>x @ W^T + b (W (Out, In)) or x @ W + b (W (In, Out)): one matmul, the bias added in place.</summary>
    private static Tensor Affine(string op, Tensor x, Tensor weight, Tensor? bias, bool weightInOut)
    {
        RequireF32(op, x, "input");
        RequireF32(op, weight, "weight");
        RequireRank(op, weight, weightInOut ? "weight (In, Out)" : "weight (Out, In)", 2);
        RequireSameDevice(op, x, weight, bias);
        int outF = weight.Shape[weightInOut ? 1 : 0], inF = weight.Shape[weightInOut ? 0 : 1];
        if (x.Shape.Rank < 1 || x.Shape[-1] != inF)
            throw new ArgumentException($"{op}: input {x.Shape} does not end in {inF} (weight {weight.Shape})");
        if (bias is not null)
        {
            RequireF32(op, bias, "bias");
            if (bias.Shape.Rank != 1 || bias.Shape[0] != outF)
                throw new ArgumentException($"{op}: bias {bias.Shape} must be ({outF},) for weight {weight.Shape}");
        }
        int rows = checked((int)(x.Numel / Math.Max(1, inF)));
        var dims = x.Shape.ToArray();
        dims[^1] = outF;
        var y = NewTensor(new Shape(dims), DType.F32, x.Device);
        var be = Backend.For(x);
        using (var x2 = x.ViewUnrecorded(new Shape(rows, inF)))
        using (var y2 = y.ViewUnrecorded(new Shape(rows, outF)))
        {
            be.MatMul(x2, weight, y2, false, !weightInOut);
            if (bias is not null) be.AddBias(y2, bias, y2);
        }
        if (Recording(y, x, weight, bias) is { } tape)
        {
            tape.Push(y, () =>
            {
                using var dy = y.Grad!.ViewUnrecorded(new Shape(rows, outF));
                using var x2 = x.ViewUnrecorded(new Shape(rows, inF));
                if (x.RequiresGrad)
                {
                    using var dx = GradOf(x).ViewUnrecorded(new Shape(rows, inF));
                    be.MatMul(dy, weight, dx, false, weightInOut, 1f, 1f);     // dx (rows, In) += dy (rows, Out) op(W)^T
                }
                if (weight.RequiresGrad)
                {
                    if (weightInOut) be.MatMul(x2, dy, GradOf(weight), true, false, 1f, 1f);   // dW (In, Out) += x^T dy
                    else be.MatMul(dy, x2, GradOf(weight), true, false, 1f, 1f);              // dW (Out, In) += dy^T x
                }
                if (bias is not null && bias.RequiresGrad) be.AddBiasBackward(dy, GradOf(bias));
            });
        }
        return y;
    }
}
