// What the student is distilled against, per token row: the teacher's last hidden states and LM head
// (its logits are made chunk by chunk next to the student's, never all at once), full teacher logits
// computed earlier, or a sparse top-k cache (ids, logits and the full-vocabulary log-sum-exp).
using Distill.Tensors;

namespace Distill.Losses;

public abstract record TeacherSignal
{
    private TeacherSignal() { }

    /// <summary>Rows of the signal (tokens it covers).</summary>
    public abstract long Rows { get; }

    /// <summary>hidden (N, Ct) or (..., Ct): the teacher's final-norm output; head (V, Ct). No gradient flows into either.</summary>
    public sealed record FromHidden(Tensor Hidden, Tensor Head) : TeacherSignal
    {
        public override long Rows => Hidden.Shape.Rank == 0 ? 0 : Hidden.Numel / Math.Max(1, Hidden.Shape[-1]);
    }

    /// <summary>logits (N, V) or (..., V), computed beforehand (no gradient).</summary>
    public sealed record FromLogits(Tensor Logits) : TeacherSignal
    {
        public override long Rows => Logits.Shape.Rank == 0 ? 0 : Logits.Numel / Math.Max(1, Logits.Shape[-1]);
    }

    /// <summary>
    /// A top-k cache: ids (N, k) or (..., k) I32 vocabulary ids, logits of the same shape (their raw teacher
    /// logits), lse (N) or (...) the log-sum-exp over the whole vocabulary of teacher logits / T (see
    /// IBackend.DistillLossSparse).
    /// </summary>
    public sealed record TopK(Tensor Ids, Tensor Logits, Tensor Lse) : TeacherSignal
    {
        public override long Rows => Ids.Shape.Rank == 0 ? 0 : Ids.Numel / Math.Max(1, Ids.Shape[-1]);
    }
}
