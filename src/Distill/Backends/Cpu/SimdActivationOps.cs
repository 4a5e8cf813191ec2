// Activation op structs for SimdMap: GELU (GPT-2 tanh form), SiLU and SwiGLU, forward and backward.
// GELU uses 0.5 (1 + tanh(u)) = sigmoid(2u), which has no cancellation for negative x; backward
// ops take the gradient they accumulate into as their last input (dx + dy * f'(x)).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Distill.Backends.Cpu;

/// <summary>gelu(x) = x * sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3).</summary>
internal readonly struct GeluOp : IUnaryOp
{
    internal const float K = 0.7978845608028654f;      // sqrt(2/pi)
    internal const float C = 0.044715f;
    internal const float TwoK = 2 * K, TwoKC = 2 * K * C;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> x)
    {
        var twoU = x * Vector512.FusedMultiplyAdd(x * x, Vector512.Create(TwoKC), Vector512.Create(TwoK));
        return x / (Vector512<float>.One + SimdMath.Exp(-twoU));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x)
    {
        var twoU = x * Vector256.FusedMultiplyAdd(x * x, Vector256.Create(TwoKC), Vector256.Create(TwoK));
        return x / (Vector256<float>.One + SimdMath.Exp(-twoU));
    }

    public float Invoke(float x) => x / (1f + MathF.Exp(-x * (TwoK + TwoKC * x * x)));
}

/// <summary>
/// dx + dy * gelu'(x), gelu'(x) = s + 2 x s (1 - s) du/dx with s = sigmoid(2u), du/dx = K (1 + 3 C x^2)
/// (from 1 - tanh^2(u) = 4 s (1 - s)). Inputs (x, dy, dx). 1 - s is e s (e = exp(-2u)) for x >= 0,
/// where 1 - s itself would cancel.
/// </summary>
internal readonly struct GeluBackwardOp : ITernaryOp
{
    private const float TwoK = GeluOp.TwoK, TwoKC = GeluOp.TwoKC, ThreeC = 3 * GeluOp.C;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> dy, Vector512<float> dx)
    {
        var x2 = x * x;
        var e = SimdMath.Exp(-x * Vector512.FusedMultiplyAdd(x2, Vector512.Create(TwoKC), Vector512.Create(TwoK)));
        var s = Vector512<float>.One / (Vector512<float>.One + e);
        var oneMinusS = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero), e * s, Vector512<float>.One - s);
        var twoDu = Vector512.FusedMultiplyAdd(x2, Vector512.Create(TwoK * ThreeC), Vector512.Create(TwoK));  // 2 du/dx
        var g = Vector512.FusedMultiplyAdd(x * (s * oneMinusS), twoDu, s);
        return Vector512.FusedMultiplyAdd(dy, g, dx);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy, Vector256<float> dx)
    {
        var x2 = x * x;
        var e = SimdMath.Exp(-x * Vector256.FusedMultiplyAdd(x2, Vector256.Create(TwoKC), Vector256.Create(TwoK)));
        var s = Vector256<float>.One / (Vector256<float>.One + e);
        var oneMinusS = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), e * s, Vector256<float>.One - s);
        var twoDu = Vector256.FusedMultiplyAdd(x2, Vector256.Create(TwoK * ThreeC), Vector256.Create(TwoK));
        var g = Vector256.FusedMultiplyAdd(x * (s * oneMinusS), twoDu, s);
        return Vector256.FusedMultiplyAdd(dy, g, dx);
    }

    public float Invoke(float x, float dy, float dx)
    {
        float x2 = x * x;
        float e = MathF.Exp(-x * (TwoK + TwoKC * x2));
        float s = 1f / (1f + e);
        float oneMinusS = x >= 0 ? e * s : 1f - s;
        float g = s + x * (s * oneMinusS) * (TwoK + TwoK * ThreeC * x2);
        return MathF.FusedMultiplyAdd(dy, g, dx);
    }
}

/// <summary>silu(x) = x * sigmoid(x) = x / (1 + exp(-x)).</summary>
internal readonly struct SiluOp : IUnaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> x) => x / (Vector512<float>.One + SimdMath.Exp(-x));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x) => x / (Vector256<float>.One + SimdMath.Exp(-x));
    public float Invoke(float x) => x / (1f + MathF.Exp(-x));
}

/// <summary>
/// dx + dy * silu'(x), silu'(x) = s (1 + x (1 - s)), s = sigmoid(x). Inputs (x, dy, dx). 1 - s is e s
/// (e = exp(-x)) for x >= 0, where 1 - s itself would cancel.
/// </summary>
internal readonly struct SiluBackwardOp : ITernaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> dy, Vector512<float> dx)
    {
        var e = SimdMath.Exp(-x);
        var s = Vector512<float>.One / (Vector512<float>.One + e);
        var oneMinusS = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero), e * s, Vector512<float>.One - s);
        var g = s * Vector512.FusedMultiplyAdd(x, oneMinusS, Vector512<float>.One);
        return Vector512.FusedMultiplyAdd(dy, g, dx);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy, Vector256<float> dx)
    {
        var e = SimdMath.Exp(-x);
        var s = Vector256<float>.One / (Vector256<float>.One + e);
        var oneMinusS = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), e * s, Vector256<float>.One - s);
        var g = s * Vector256.FusedMultiplyAdd(x, oneMinusS, Vector256<float>.One);
        return Vector256.FusedMultiplyAdd(dy, g, dx);
    }

    public float Invoke(float x, float dy, float dx)
    {
        float e = MathF.Exp(-x);
        float s = 1f / (1f + e);
        float oneMinusS = x >= 0 ? e * s : 1f - s;
        return MathF.FusedMultiplyAdd(dy, s * MathF.FusedMultiplyAdd(x, oneMinusS, 1f), dx);
    }
}

/// <summary>silu(gate) * up. Inputs (gate, up).</summary>
internal readonly struct SwiGluOp : IBinaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> gate, Vector512<float> up) => default(SiluOp).Invoke(gate) * up;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> gate, Vector256<float> up) => default(SiluOp).Invoke(gate) * up;
    public float Invoke(float gate, float up) => default(SiluOp).Invoke(gate) * up;
}

/// <summary>dgate + dy * up * silu'(gate). Inputs (gate, up, dy, dgate).</summary>
internal readonly struct SwiGluGateBackwardOp : IQuaternaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> gate, Vector512<float> up, Vector512<float> dy, Vector512<float> dgate)
        => default(SiluBackwardOp).Invoke(gate, dy * up, dgate);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> gate, Vector256<float> up, Vector256<float> dy, Vector256<float> dgate)
        => default(SiluBackwardOp).Invoke(gate, dy * up, dgate);
    public float Invoke(float gate, float up, float dy, float dgate) => default(SiluBackwardOp).Invoke(gate, dy * up, dgate);
}

/// <summary>dup + dy * silu(gate). Inputs (gate, dy, dup).</summary>
internal readonly struct SwiGluUpBackwardOp : ITernaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> gate, Vector512<float> dy, Vector512<float> dup)
        => Vector512.FusedMultiplyAdd(dy, default(SiluOp).Invoke(gate), dup);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> gate, Vector256<float> dy, Vector256<float> dup)
        => Vector256.FusedMultiplyAdd(dy, default(SiluOp).Invoke(gate), dup);
    public float Invoke(float gate, float dy, float dup) => MathF.FusedMultiplyAdd(dy, default(SiluOp).Invoke(gate), dup);
}
