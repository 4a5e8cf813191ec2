// An immutable list of dimensions, row-major. Prints as "(4, 8)" so error messages read like PyTorch's.
namespace Distill.Tensors;

public readonly struct Shape : IEquatable<Shape>
{
    private readonly int[]? _dims;

    public Shape(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        foreach (var d in dims)
            if (d < 0) throw new ArgumentException($"Shape: negative dimension in ({string.Join(", ", dims)})");
        _dims = (int[])dims.Clone();
    }

    public int Rank => _dims?.Length ?? 0;

    public int this[int axis] => axis < 0 ? Dims[Rank + axis] : Dims[axis];

    public ReadOnlySpan<int> Dims => _dims ?? [];

    /// <summary>Number of elements (1 for a scalar of rank 0).</summary>
    public long Numel
    {
        get
        {
            long n = 1;
            foreach (var d in Dims) n *= d;
            return n;
        }
    }

    /// <summary>Product of all dimensions but the last: the row count of a (rows, last) view.</summary>
    public long Rows
    {
        get
        {
            long n = 1;
            for (int i = 0; i < Rank - 1; i++) n *= Dims[i];
            return n;
        }
    }

    public int[] ToArray() => Dims.ToArray();

    public bool Equals(Shape other) => Dims.SequenceEqual(other.Dims);
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in Dims) h.Add(d);
        return h.ToHashCode();
    }
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    public override string ToString() => Rank == 1 ? $"({Dims[0]},)" : $"({string.Join(", ", Dims.ToArray())})";

    public static implicit operator Shape(int[] dims) => new(dims);
}
