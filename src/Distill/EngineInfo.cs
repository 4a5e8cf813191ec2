// What this engine build runs on: version, devices, SIMD width, threads. Printed by `distill info`.
using System.Reflection;
using System.Runtime.Intrinsics;
using Distill.Backends;
using Distill.Backends.Cpu;

namespace Distill;

public static class EngineInfo
{
    public static string Version =>
        typeof(EngineInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>Widest hardware-accelerated float vector the CPU kernels use, in bits.</summary>
    public static int SimdBits =>
        Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 32;

    public static IReadOnlyList<string> Lines()
    {
        var lines = new List<string>
        {
            $"distill {Version}",
            $"runtime: .NET {Environment.Version} on {System.Runtime.InteropServices.RuntimeInformation.OSDescription.Trim()}",
            $"devices: {string.Join(", ", Backend.Devices)}",
            $"cpu simd: {SimdBits}-bit (Vector512 {(Vector512.IsHardwareAccelerated ? "yes" : "no")}, AVX-512F {(System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? "yes" : "no")}, FMA {(System.Runtime.Intrinsics.X86.Fma.IsSupported ? "yes" : "no")})",
            $"cpu threads: {CpuParallel.Threads}",
        };
        return lines;
    }
}
