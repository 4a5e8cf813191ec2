// Helpers for tensor names in messages: quoting (truncated, since a hostile header can hold megabyte
// names) and "did you mean" suggestions for a missing tensor, closest names first.
namespace Distill.IO;

internal static class SafetensorsNames
{
    private const int MaxShown = 120;

    public static string Quote(string name) =>
        name.Length <= MaxShown ? $"'{name}'" : $"'{name[..MaxShown]}...' ({name.Length} chars)";

    /// <summary>Up to <paramref name="count"/> names ordered by edit distance to <paramref name="wanted"/>.</summary>
    public static IEnumerable<string> Closest(string wanted, IEnumerable<string> names, int count) =>
        names.Select((n, i) => (Name: n, Index: i, Distance: EditDistance(wanted, n)))
             .OrderBy(x => x.Distance).ThenBy(x => x.Index)
             .Take(count)
             .Select(x => x.Name);

    /// <summary>Levenshtein distance, with both strings capped so a hostile name cannot cost much.</summary>
    private static int EditDistance(string a, string b)
    {
        a = a.Length > 256 ? a[..256] : a;
        b = b.Length > 256 ? b[..256] : b;
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitute = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                cur[j] = Math.Min(substitute, Math.Min(prev[j], cur[j - 1]) + 1);
            }
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
