// The ledger every fault campaign keeps: how many runs it made and how each one ended (a clean
// error, a crash, a success with a wrong result, data lost), the summary line it prints
// ("faults CATEGORY/OP: runs R, clean errors E, crashes C, silent wrong W, data lost L") and the
// assertion that fails the test when any of the last three is not zero. New subsystems add their
// operations to the same categories through this class.
using System.Text;
using Xunit.Abstractions;

namespace Arbor.Interop.Tests.Faults;

/// <summary>Counts the outcomes of one category/operation pair and judges them.</summary>
public sealed class FaultTally(string category, string op)
{
    private readonly List<string> _failures = [];

    /// <summary>Runs made.</summary>
    public int Runs { get; private set; }

    /// <summary>Runs that failed (or were killed) and left a consistent state behind.</summary>
    public int CleanErrors { get; private set; }

    /// <summary>Unhandled exceptions, "this is a bug" text, exit codes other than 0/1, signals we did not send.</summary>
    public int Crashes { get; private set; }

    /// <summary>Successes with a wrong result.</summary>
    public int Wrong { get; private set; }

    /// <summary>Refs moved to (or left at) something incomplete, or pre-existing data damaged.</summary>
    public int Lost { get; private set; }

    /// <summary>The summary line.</summary>
    public string Summary =>
        $"faults {category}/{op}: runs {Runs}, clean errors {CleanErrors}, crashes {Crashes}, silent wrong {Wrong}, data lost {Lost}";

    /// <summary>Starts a run.</summary>
    public void Run() => Runs++;

    /// <summary>The run ended in a clean error (or a kill) that left a consistent state.</summary>
    public void CleanError() => CleanErrors++;

    /// <summary>Records a crash.</summary>
    public void Crash(string what) => Add(() => Crashes++, "crash", what);

    /// <summary>Records a success with a wrong result.</summary>
    public void SilentWrong(string what) => Add(() => Wrong++, "wrong", what);

    /// <summary>Records lost or damaged data.</summary>
    public void DataLost(string what) => Add(() => Lost++, "lost", what);

    private void Add(Action count, string kind, string what)
    {
        count();
        _failures.Add($"run {Runs} [{kind}]: {what}");
    }

    /// <summary>Prints the summary (to the test output, stdout and $ARBOR_FAULT_REPORT) and fails on crashes, wrong results or lost data.</summary>
    public void Report(ITestOutputHelper output)
    {
        output.WriteLine(Summary);
        Console.WriteLine(Summary);
        if (Environment.GetEnvironmentVariable("ARBOR_FAULT_REPORT") is { Length: > 0 } file)
            File.AppendAllText(file, Summary + "\n");
        var sb = new StringBuilder(Summary);
        foreach (var f in _failures.Take(5))
        {
            output.WriteLine(f);
            sb.Append('\n').Append(f);
        }
        Assert.True(Crashes == 0 && Wrong == 0 && Lost == 0, sb.ToString());
        Assert.True(Runs > 0, $"{Summary}: no run was made");
    }
}
