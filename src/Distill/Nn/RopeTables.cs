// The cos/sin tables of rotary embeddings, (positions, D/2) F32, computed exactly as Hugging Face
// LLaMA does in float32 (inv_freq = 1 / theta^(arange(0, D, 2) / D), freqs = positions x inv_freq),
// so that rotated queries and keys match PyTorch's to float rounding.
using Distill.Backends;
using Distill.Tensors;

namespace Distill.Nn;

public sealed class RopeTables : IDisposable
{
    private RopeTables(int headDim, int maxPositions, double theta, Tensor cos, Tensor sin)
    {
        HeadDim = headDim;
        MaxPositions = maxPositions;
        Theta = theta;
        Cos = cos;
        Sin = sin;
    }

    public int HeadDim { get; }
    public int MaxPositions { get; }
    public double Theta { get; }
    /// <summary>(MaxPositions, HeadDim / 2) F32; row t is position t.</summary>
    public Tensor Cos { get; }
    /// <summary>(MaxPositions, HeadDim / 2) F32.</summary>
    public Tensor Sin { get; }

    /// <summary>Tables for positions 0 .. maxPositions - 1 of heads of headDim (even) features.</summary>
    public static RopeTables Build(int headDim, int maxPositions, double theta = 10000.0, Device? device = null)
    {
        if (headDim <= 0 || headDim % 2 != 0)
            throw new ArgumentException($"RopeTables: head dim {headDim} must be positive and even");
        if (maxPositions < 0) throw new ArgumentException($"RopeTables: max positions {maxPositions} must be >= 0");
        if (!(theta > 0)) throw new ArgumentException($"RopeTables: theta {theta} must be positive");
        int half = headDim / 2;
        var (cos, sin) = Compute(headDim, maxPositions, theta);
        var dev = device ?? Device.Cpu;
        var cosT = Tensor.Empty(new Shape(maxPositions, half), DType.F32, dev);
        var sinT = Tensor.Empty(new Shape(maxPositions, half), DType.F32, dev);
        var be = Backend.For(dev);
        be.Upload(System.Runtime.InteropServices.MemoryMarshal.AsBytes(cos.AsSpan()), cosT);
        be.Upload(System.Runtime.InteropServices.MemoryMarshal.AsBytes(sin.AsSpan()), sinT);
        cosT.Name = "rope.cos";
        sinT.Name = "rope.sin";
        return new RopeTables(headDim, maxPositions, theta, cosT, sinT);
    }

    /// <summary>
    /// inv_freq[i] = 1 / theta^(2i / D), every step in float32 as transformers does it:
    /// (float)(2i) / D, then pow (correctly rounded here), then the float reciprocal.
    /// </summary>
    public static float[] InverseFrequencies(int headDim, double theta)
    {
        var inv = new float[headDim / 2];
        float baseF = (float)theta;
        for (int i = 0; i < inv.Length; i++)
        {
            float exponent = (float)(2 * i) / headDim;
            float power = (float)Math.Pow(baseF, exponent);
            inv[i] = 1f / power;
        }
        return inv;
    }

    /// <summary>Host cos/sin, (maxPositions, D/2) row-major: cos(float(t) * inv_freq[i]) with the product in float32.</summary>
    public static (float[] Cos, float[] Sin) Compute(int headDim, int maxPositions, double theta)
    {
        var inv = InverseFrequencies(headDim, theta);
        int half = inv.Length;
        var cos = new float[(long)maxPositions * half];
        var sin = new float[cos.Length];
        for (int t = 0; t < maxPositions; t++)
        for (int i = 0; i < half; i++)
        {
            float freq = (float)t * inv[i];                 // float32 product, as the (D/2, 1) @ (1, T) matmul
            cos[(long)t * half + i] = (float)Math.Cos(freq); // correctly rounded cos of the float32 angle
            sin[(long)t * half + i] = (float)Math.Sin(freq);
        }
        return (cos, sin);
    }

    /// <summary>
    /// Views of the first <paramref name="length"/> rows, the (T, D/2) tables Ops.Rope wants for a
    /// sequence of that length. The caller disposes them (the tables stay alive).
    /// </summary>
    public (Tensor Cos, Tensor Sin) ForLength(int length)
    {
        if ((uint)length > (uint)MaxPositions)
            throw new ArgumentOutOfRangeException(nameof(length), $"RopeTables: length {length} exceeds the {MaxPositions} positions built");
        var shape = new Shape(length, HeadDim / 2);
        return (Cos.ViewUnrecorded(shape), Sin.ViewUnrecorded(shape));
    }

    public void Dispose()
    {
        Cos.Dispose();
        Sin.Dispose();
    }
}
