// Row-normalisation op structs for SimdMap, shared by LayerNorm and RmsNorm (RmsNorm is the mean = 0,
// no-bias case): xhat = (x - mean) * rstd, y = xhat * w (+ b), and the backward pieces.
using System.Runtime.Intrinsics;

namespace Distill.Backends.Cpu;

/// <summary>(x - mean) * rstd * w + b. Inputs (x, w, b).</summary>
internal readonly struct NormalizeAffineOp(float mean, float rstd) : ITernaryOp
{
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> w, Vector512<float> b)
        => Vector512.FusedMultiplyAdd((x - Vector512.Create(mean)) * Vector512.Create(rstd), w, b);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> w, Vector256<float> b)
        => Vector256.FusedMultiplyAdd((x - Vector256.Create(mean)) * Vector256.Create(rstd), w, b);
    public float Invoke(float x, float w, float b) => MathF.FusedMultiplyAdd((x - mean) * rstd, w, b);
}

/// <summary>(x - mean) * rstd * w. Inputs (x, w).</summary>
internal readonly struct NormalizeScaleOp(float mean, float rstd) : IBinaryOp
{
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> w) => (x - Vector512.Create(mean)) * Vector512.Create(rstd) * w;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> w) => (x - Vector256.Create(mean)) * Vector256.Create(rstd) * w;
    public float Invoke(float x, float w) => (x - mean) * rstd * w;
}

/// <summary>w * dy * xhat, summed per row for the backward's mean(dnorm * xhat). Inputs (x, w, dy).</summary>
internal readonly struct NormalizedDotOp(float mean, float rstd) : ITernaryOp
{
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> w, Vector512<float> dy)
        => (x - Vector512.Create(mean)) * Vector512.Create(rstd) * (w * dy);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> w, Vector256<float> dy)
        => (x - Vector256.Create(mean)) * Vector256.Create(rstd) * (w * dy);
    public float Invoke(float x, float w, float dy) => (x - mean) * rstd * (w * dy);
}

/// <summary>
/// dx + rstd * (w dy - meanDnorm - xhat * meanDnormXhat): the normalisation's input gradient.
/// Inputs (x, w, dy, dx).
/// </summary>
internal readonly struct NormalizeBackwardOp(float mean, float rstd, float meanDnorm, float meanDnormXhat) : IQuaternaryOp
{
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> w, Vector512<float> dy, Vector512<float> dx)
    {
        var r = Vector512.Create(rstd);
        var xhat = (x - Vector512.Create(mean)) * r;
        var t = w * dy - Vector512.Create(meanDnorm);   // not fused: w dy rounds as in the mean, so C = 1 gives 0
        t = Vector512.FusedMultiplyAdd(xhat, Vector512.Create(-meanDnormXhat), t);
        return Vector512.FusedMultiplyAdd(t, r, dx);
    }

    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> w, Vector256<float> dy, Vector256<float> dx)
    {
        var r = Vector256.Create(rstd);
        var xhat = (x - Vector256.Create(mean)) * r;
        var t = w * dy - Vector256.Create(meanDnorm);
        t = Vector256.FusedMultiplyAdd(xhat, Vector256.Create(-meanDnormXhat), t);
        return Vector256.FusedMultiplyAdd(t, r, dx);
    }

    public float Invoke(float x, float w, float dy, float dx)
    {
        float xhat = (x - mean) * rstd;
        float t = w * dy - meanDnorm;
        t = MathF.FusedMultiplyAdd(xhat, -meanDnormXhat, t);
        return MathF.FusedMultiplyAdd(t, rstd, dx);
    }
}

/// <summary>dw + dy * xhat, the weight gradient of one row. Inputs (x, dy, dw).</summary>
internal readonly struct NormWeightGradOp(float mean, float rstd) : ITernaryOp
{
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> dy, Vector512<float> dw)
        => Vector512.FusedMultiplyAdd(dy, (x - Vector512.Create(mean)) * Vector512.Create(rstd), dw);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy, Vector256<float> dw)
        => Vector256.FusedMultiplyAdd(dy, (x - Vector256.Create(mean)) * Vector256.Create(rstd), dw);
    public float Invoke(float x, float dy, float dw) => MathF.FusedMultiplyAdd(dy, (x - mean) * rstd, dw);
}
