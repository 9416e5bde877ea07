// The progress some ostree verbs print when standard output is not a terminal (libglnx's console
// in line mode): "TEXT (DONE/TOTAL) PERCENT%" on a line of its own, at most once a second, plus the
// closing 100% line, which is always printed. `ostree fsck` does this on a pipe, and scripts and CI
// logs that read its output see these lines, so `arbor ostree fsck` prints them the same way.
using System.Diagnostics;
using System.Globalization;
using Arbor.Native;

namespace Arbor.Cli;

/// <summary>Renders <see cref="OperationProgress"/> as libglnx prints progress on a non-terminal.</summary>
internal sealed class PipeProgressLines(TextWriter output, string text) : IProgress<OperationProgress>
{
    private static readonly long Interval = Stopwatch.Frequency;
    private readonly Lock _gate = new();
    private long _last;
    private int _lastPercent = -1;

    /// <summary>Prints the snapshot unless one was printed less than a second ago (the final 100% always prints).</summary>
    public void Report(OperationProgress value)
    {
        if (value.Done <= 0 || value.Total <= 0 || value.Done > value.Total)
            return;
        int percent = value.Done == value.Total ? 100 : (int)((double)value.Done / value.Total * 100);
        lock (_gate)
        {
            long now = Stopwatch.GetTimestamp();
            if (percent == 100 ? _lastPercent == 100 : _lastPercent >= 0 && now - _last < Interval)
                return;
            _last = now;
            _lastPercent = percent;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{text} ({value.Done}/{value.Total}) {percent}%"));
        }
    }
}
