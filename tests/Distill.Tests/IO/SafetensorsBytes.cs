// Builds safetensors files byte by byte for the validation tests: any header text, any declared header
// length, any data, so each malformation can be produced exactly.
using System.Buffers.Binary;
using System.Text;

namespace Distill.Tests.IO;

public static class SafetensorsBytes
{
    /// <summary>8-byte length (the header's true length unless overridden), the header bytes, then data.</summary>
    public static byte[] Build(string headerJson, byte[]? data = null, ulong? declaredHeaderLength = null) =>
        Build(Encoding.UTF8.GetBytes(headerJson), data, declaredHeaderLength);

    public static byte[] Build(byte[] header, byte[]? data = null, ulong? declaredHeaderLength = null)
    {
        data ??= [];
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, declaredHeaderLength ?? (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    /// <summary>One header entry: "name":{"dtype":..,"shape":[..],"data_offsets":[b,e]}.</summary>
    public static string Entry(string name, string dtype, int[] shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{begin},{end}]}}";
}
