// Where a tensor's memory lives. The CPU is always present; CUDA devices register their backend at load.
namespace Distill.Tensors;

public enum DeviceKind
{
    Cpu,
    Cuda,
}

public readonly record struct Device(DeviceKind Kind, int Index = 0)
{
    public static Device Cpu { get; } = new(DeviceKind.Cpu);
    public static Device Cuda(int index = 0) => new(DeviceKind.Cuda, index);
    public override string ToString() => Kind == DeviceKind.Cpu ? "cpu" : $"cuda:{Index}";
}
