// The one progress model of Arbor's engines. Long operations (commit, checkout, static-delta
// generation and apply, fsck, deploys, the host transactions) report through IProgress of this
// record; the engines never print. The CLI turns the reports into a line on a terminal and
// ignores them otherwise; a daemon can forward them as signals. It lives in Arbor.Native because
// that is the one project every engine references.
using System.Diagnostics;

namespace Arbor.Native;

/// <summary>A snapshot of a long operation.</summary>
/// <param name="Phase">What is being done, in a few words ("Writing objects", "Checking out").</param>
/// <param name="Done">Items finished so far.</param>
/// <param name="Total">Items in all, or 0 when not known.</param>
/// <param name="Bytes">Bytes processed so far (0 when not counted).</param>
/// <param name="Unit">What an item is ("files", "objects", "parts").</param>
public readonly record struct OperationProgress(string Phase, long Done, long Total, long Bytes = 0, string Unit = "objects");

/// <summary>
/// Counts work from many threads and forwards a snapshot to an <see cref="IProgress{T}"/> at most
/// every <see cref="Interval"/>, so a hot loop can call <see cref="Add"/> per item for the cost of
/// two interlocked adds and a clock read.
/// </summary>
public sealed class ProgressCounter
{
    /// <summary>The minimum time between two reports.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly IProgress<OperationProgress>? _sink;
    private readonly string _unit;
    private long _done;
    private long _bytes;
    private long _nextTick;
    private string _phase;
    private long _total;

    /// <summary>A counter reporting to <paramref name="sink"/> (null: counts only).</summary>
    public ProgressCounter(IProgress<OperationProgress>? sink, string phase, long total = 0, string unit = "objects")
    {
        _sink = sink;
        _phase = phase;
        _total = total;
        _unit = unit;
    }

    /// <summary>Items done so far.</summary>
    public long Done => Interlocked.Read(ref _done);

    /// <summary>Bytes counted so far.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Starts a new phase with its own total; the counts restart at zero.</summary>
    public void Begin(string phase, long total)
    {
        _phase = phase;
        Interlocked.Exchange(ref _total, total);
        Interlocked.Exchange(ref _done, 0);
        Interlocked.Exchange(ref _bytes, 0);
        Interlocked.Exchange(ref _nextTick, 0);
        Report();
    }

    /// <summary>Records finished items and bytes; reports when the interval has passed.</summary>
    public void Add(long items, long bytes = 0)
    {
        Interlocked.Add(ref _done, items);
        if (bytes != 0)
            Interlocked.Add(ref _bytes, bytes);
        if (_sink is null)
            return;
        long now = Stopwatch.GetTimestamp();
        long next = Interlocked.Read(ref _nextTick);
        if (now < next || Interlocked.CompareExchange(ref _nextTick, now + (long)(Interval.TotalSeconds * Stopwatch.Frequency), next) != next)
            return;
        Report();
    }

    /// <summary>Reports the current counts now (at the end of a phase).</summary>
    public void Report() =>
        _sink?.Report(new OperationProgress(_phase, Done, Interlocked.Read(ref _total), Bytes, _unit));
}
