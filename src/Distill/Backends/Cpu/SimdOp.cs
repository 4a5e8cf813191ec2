// The operator contracts the SIMD driver (SimdMap) runs: each op is written once as a Vector512 body,
// a Vector256 body (machines without AVX-512) and a scalar body (the tail), in the style of
// System.Numerics.Tensors. Ops are structs, so the driver is specialised and the bodies inlined; unlike
// TensorPrimitives' static ops they may carry per-call scalars (a scale, a row's mean and rstd).
using System.Runtime.Intrinsics;

namespace Distill.Backends.Cpu;

/// <summary>y = f(x).</summary>
internal interface IUnaryOp
{
    Vector512<float> Invoke(Vector512<float> x);
    Vector256<float> Invoke(Vector256<float> x);
    float Invoke(float x);
}

/// <summary>y = f(a, b).</summary>
internal interface IBinaryOp
{
    Vector512<float> Invoke(Vector512<float> a, Vector512<float> b);
    Vector256<float> Invoke(Vector256<float> a, Vector256<float> b);
    float Invoke(float a, float b);
}

/// <summary>y = f(a, b, c).</summary>
internal interface ITernaryOp
{
    Vector512<float> Invoke(Vector512<float> a, Vector512<float> b, Vector512<float> c);
    Vector256<float> Invoke(Vector256<float> a, Vector256<float> b, Vector256<float> c);
    float Invoke(float a, float b, float c);
}

/// <summary>y = f(a, b, c, d); backward ops read three inputs and the gradient they accumulate into.</summary>
internal interface IQuaternaryOp
{
    Vector512<float> Invoke(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d);
    Vector256<float> Invoke(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d);
    float Invoke(float a, float b, float c, float d);
}
