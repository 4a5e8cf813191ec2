// Finds the backend for a device. The CPU backend is always registered; the CUDA assembly registers
// its own when loaded.
using Distill.Backends.Cpu;
using Distill.Tensors;

namespace Distill.Backends;

public static class Backend
{
    private static readonly Dictionary<Device, IBackend> Registered = new() { [Device.Cpu] = CpuBackend.Instance };
    private static readonly object Lock = new();

    public static IBackend For(Device device)
    {
        lock (Lock)
        {
            if (Registered.TryGetValue(device, out var b)) return b;
        }
        throw new InvalidOperationException($"no backend for device {device} (is Distill.Cuda loaded and a GPU present?)");
    }

    public static IBackend For(Tensor t) => For(t.Device);

    public static void Register(IBackend backend)
    {
        lock (Lock) Registered[backend.Device] = backend;
    }

    public static IReadOnlyList<Device> Devices
    {
        get { lock (Lock) return Registered.Keys.ToArray(); }
    }
}
