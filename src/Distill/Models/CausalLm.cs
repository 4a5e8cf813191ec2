// Opens any supported Hugging Face causal LM directory by its config.json model_type.
namespace Distill.Models;

public static class CausalLm
{
    public static IReadOnlyList<string> SupportedModelTypes { get; } = ["gpt2", "llama"];

    public static ICausalLm Load(string directory)
    {
        using var ckpt = HfCheckpoint.Open(directory);
        return ckpt.ModelType switch
        {
            "gpt2" => Gpt2.Load(ckpt),
            "llama" => Llama.Load(ckpt),
            null => throw new InvalidDataException($"{ckpt.Config.Source}: 'model_type' is missing"),
            var other => throw new NotSupportedException(
                $"{ckpt.Config.Source}: unknown model_type '{other}' (supported: {string.Join(", ", SupportedModelTypes)})"),
        };
    }
}
