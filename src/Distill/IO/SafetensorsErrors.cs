// Builds the errors for a malformed or hostile safetensors file: an InvalidDataException (sealed in .NET,
// so no subclass) whose message names the file, the tensor at fault if any, and what is wrong. The file
// and tensor are also put in Exception.Data under "file" and "tensor" for callers that want them.
namespace Distill.IO;

internal static class SafetensorsErrors
{
    public static InvalidDataException Invalid(string path, string? tensor, string problem, Exception? inner = null)
    {
        string message = tensor is null
            ? $"safetensors '{path}': {problem}"
            : $"safetensors '{path}': tensor {SafetensorsNames.Quote(tensor)}: {problem}";
        var e = new InvalidDataException(message, inner);
        e.Data["file"] = path;
        if (tensor is not null) e.Data["tensor"] = tensor;
        return e;
    }
}
