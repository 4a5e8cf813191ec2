// Reading Hugging Face config.json values with errors that name the file and the key.
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Distill.Models;

internal sealed class ConfigJson
{
    private readonly JsonObject _root;

    public ConfigJson(JsonObject root, string source)
    {
        _root = root;
        Source = source;
    }

    public string Source { get; }

    public static ConfigJson Parse(string json, string source)
    {
        JsonNode? node;
        try { node = JsonNode.Parse(json); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not valid JSON ({e.Message})", e); }
        if (node is not JsonObject obj) throw new InvalidDataException($"{source}: must hold a JSON object");
        return new ConfigJson(obj, source);
    }

    public static ConfigJson Load(string path) => Parse(File.ReadAllText(path), path);

    public bool Has(string key) => _root[key] is not null;

    public int Int(string key) => TryInt(key) ?? throw Missing(key);
    public int? TryInt(string key) => Get(key, n => n.GetValue<int>(), "an integer");
    public float Float(string key) => TryFloat(key) ?? throw Missing(key);
    public float? TryFloat(string key) => Get(key, n => (float)n.GetValue<double>(), "a number");
    public bool? TryBool(string key) => Get(key, n => n.GetValue<bool>(), "true or false");
    public string? TryString(string key) => Get(key, n => n.GetValue<string>(), "a string");

    private T? Get<T>(string key, Func<JsonValue, T> read, string what) where T : struct =>
        _root[key] switch
        {
            null => null,
            JsonValue v when TryRead(v, read, out var x) => x,
            var other => throw new InvalidDataException($"{Source}: '{key}' must be {what}, got {other.ToJsonString()}"),
        };

    private string? Get(string key, Func<JsonValue, string> read, string what) =>
        _root[key] switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => read(v),
            var other => throw new InvalidDataException($"{Source}: '{key}' must be {what}, got {other.ToJsonString()}"),
        };

    private static bool TryRead<T>(JsonValue v, Func<JsonValue, T> read, out T value)
    {
        try
        {
            value = read(v);
            return true;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }

    private InvalidDataException Missing(string key) => new($"{Source}: '{key}' is missing");

    public InvalidDataException Invalid(string problem) => new($"{Source}: {problem}");
}
