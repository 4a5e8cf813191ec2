// Shared pieces of a causal LM forward: checking the ids, position ids, and ownership of the
// activations when no tape is recording.
using Distill.Autograd;
using Distill.Tensors;

namespace Distill.Models;

internal static class ModelInput
{
    /// <summary>Checks ids is (B, T) I32 with T within the model's limit; returns (B, T).</summary>
    public static (int B, int T) Check(string model, Tensor ids, int maxT, string limitName)
    {
        if (ids.DType != DType.I32) throw new ArgumentException($"{model}: ids {ids.Describe()} must be I32 token ids");
        if (ids.Shape.Rank != 2) throw new ArgumentException($"{model}: ids must be (B, T), got {ids.Shape}");
        int t = ids.Shape[1];
        if (t > maxT)
            throw new ArgumentException($"{model}: sequence length {t} exceeds {limitName} {maxT} of this model");
        if (t == 0 || ids.Shape[0] == 0) throw new ArgumentException($"{model}: ids {ids.Shape} is empty");
        return (ids.Shape[0], t);
    }

    /// <summary>Position ids (B, T): 0..T-1 in every row.</summary>
    public static Tensor Positions(int b, int t)
    {
        var pos = Ops.NewTensor(new Shape(b, t), DType.I32, Device.Cpu);
        var span = pos.AsSpan<int>();
        for (int i = 0; i < span.Length; i++) span[i] = i % t;
        return pos;
    }

    /// <summary>
    /// Runs a forward. Under a tape the tape owns every activation. With none, a private no-grad tape
    /// owns the intermediates and frees them at the end; the returned tensors belong to the caller.
    /// </summary>
    public static CausalLmOutput Run(Func<CausalLmOutput> forward)
    {
        if (Tape.Owner is not null) return forward();
        using var scope = Tape.Record();
        using var noGrad = Tape.NoGrad();
        var o = forward();
        if (o.Logits is not null) scope.Disown(o.Logits);
        scope.Disown(o.Final);
        foreach (var h in o.HiddenStates) scope.Disown(h);
        return o;
    }

    /// <summary>Hands a view made for this forward to the tape that owns the forward's activations.</summary>
    public static void Own(Tensor t) => Tape.Owner!.Own(t);
}
