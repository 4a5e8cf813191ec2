// Fused distillation losses on the CPU (being written: see the losses branch).
using Distill.Losses;
using Distill.Tensors;

namespace Distill.Backends.Cpu;

public sealed partial class CpuBackend
{
    public void DistillLoss(Tensor student, Tensor teacher, Tensor? targets, DistillLossOptions options,
        Tensor softLoss, Tensor hardLoss, Tensor? dStudent, float softScale, float hardScale) => throw new NotImplementedException();

    public void DistillLossSparse(Tensor student, Tensor teacherIds, Tensor teacherLogits, Tensor teacherLse, Tensor? targets,
        DistillLossOptions options, Tensor softLoss, Tensor hardLoss, Tensor? dStudent, float softScale, float hardScale) => throw new NotImplementedException();
}
