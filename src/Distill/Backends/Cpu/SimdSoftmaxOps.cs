// Softmax op structs for SimdMap (the forward's exp pass is ExpShiftOp in SimdArithmeticOps.cs).
using System.Runtime.Intrinsics;

namespace Distill.Backends.Cpu;

/// <summary>dx + y * (dy - dot), dot = sum(dy * y) of the row. Inputs (y, dy, dx).</summary>
internal readonly struct SoftmaxBackwardOp(float dot) : ITernaryOp
{
    public Vector512<float> Invoke(Vector512<float> y, Vector512<float> dy, Vector512<float> dx)
        => Vector512.FusedMultiplyAdd(y, dy - Vector512.Create(dot), dx);
    public Vector256<float> Invoke(Vector256<float> y, Vector256<float> dy, Vector256<float> dx)
        => Vector256.FusedMultiplyAdd(y, dy - Vector256.Create(dot), dx);
    public float Invoke(float y, float dy, float dx) => MathF.FusedMultiplyAdd(y, dy - dot, dx);
}
