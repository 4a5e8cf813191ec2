// GFLOP/s and GB/s columns beside the time. A benchmark class declares the work of one invocation
// as `public static double Flops(BenchmarkCase c)`, `Bytes(BenchmarkCase c)` and/or `Tokens(BenchmarkCase c)`
// (read its [Params] from c.Parameters); the column divides by the median time.
using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Distill.Benchmarks;

public sealed class ThroughputColumn : IColumn
{
    public static readonly IColumn Gflops = new ThroughputColumn("GFLOP/s", "Flops", 1e9);
    public static readonly IColumn GBps = new ThroughputColumn("GB/s", "Bytes", 1e9);
    public static readonly IColumn TokensPerSecond = new ThroughputColumn("tokens/s", "Tokens", 1);

    private readonly string _method;
    private readonly double _unit;

    private ThroughputColumn(string name, string method, double unit)
    {
        ColumnName = name;
        _method = method;
        _unit = unit;
    }

    public string Id => nameof(ThroughputColumn) + ColumnName;
    public string ColumnName { get; }
    public bool AlwaysShow => false;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => $"{_method} per invocation / median time";

    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => Work(c) is not null);
    public bool IsDefault(Summary summary, BenchmarkCase c) => false;

    public string GetValue(Summary summary, BenchmarkCase c) => GetValue(summary, c, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase c, SummaryStyle style)
    {
        var work = Work(c);
        var report = summary[c];
        if (work is null || report?.ResultStatistics is null) return "-";
        double seconds = report.ResultStatistics.Median * 1e-9;
        return (work.Value / seconds / _unit).ToString("F1");
    }

    private double? Work(BenchmarkCase c)
    {
        var m = c.Descriptor.Type.GetMethod(_method, BindingFlags.Public | BindingFlags.Static, [typeof(BenchmarkCase)]);
        return m is null ? null : (double?)m.Invoke(null, [c]);
    }
}
