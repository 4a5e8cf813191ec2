// Arithmetic op structs for SimdMap: add, mul, scale, axpy, squares and the shifted exp of softmax.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Distill.Backends.Cpu;

internal readonly struct IdentityOp : IUnaryOp
{
    public Vector512<float> Invoke(Vector512<float> x) => x;
    public Vector256<float> Invoke(Vector256<float> x) => x;
    public float Invoke(float x) => x;
}

internal readonly struct SquareOp : IUnaryOp
{
    public Vector512<float> Invoke(Vector512<float> x) => x * x;
    public Vector256<float> Invoke(Vector256<float> x) => x * x;
    public float Invoke(float x) => x * x;
}

/// <summary>(x - center)^2, LayerNorm's variance pass.</summary>
internal readonly struct SquaredDiffOp(float center) : IUnaryOp
{
    public Vector512<float> Invoke(Vector512<float> x) { var d = x - Vector512.Create(center); return d * d; }
    public Vector256<float> Invoke(Vector256<float> x) { var d = x - Vector256.Create(center); return d * d; }
    public float Invoke(float x) { float d = x - center; return d * d; }
}

/// <summary>alpha * x.</summary>
internal readonly struct ScaleOp(float alpha) : IUnaryOp
{
    public Vector512<float> Invoke(Vector512<float> x) => x * Vector512.Create(alpha);
    public Vector256<float> Invoke(Vector256<float> x) => x * Vector256.Create(alpha);
    public float Invoke(float x) => x * alpha;
}

/// <summary>exp(x - shift): softmax and cross-entropy with the row max as the shift.</summary>
internal readonly struct ExpShiftOp(float shift) : IUnaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.Exp(x - Vector512.Create(shift));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.Exp(x - Vector256.Create(shift));
    public float Invoke(float x) => MathF.Exp(x - shift);
}

internal readonly struct AddOp : IBinaryOp
{
    public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => a + b;
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => a + b;
    public float Invoke(float a, float b) => a + b;
}

internal readonly struct MulOp : IBinaryOp
{
    public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => a * b;
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => a * b;
    public float Invoke(float a, float b) => a * b;
}

/// <summary>alpha * x + y (fused), run as Binary(op, x, y, y) for y += alpha * x.</summary>
internal readonly struct AxpyOp(float alpha) : IBinaryOp
{
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => Vector512.FusedMultiplyAdd(x, Vector512.Create(alpha), y);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => Vector256.FusedMultiplyAdd(x, Vector256.Create(alpha), y);
    public float Invoke(float x, float y) => MathF.FusedMultiplyAdd(x, alpha, y);
}
