// Progress as ostree shows it: one line on a terminal, rewritten in place ("\r"), erased when the
// work is done, so the final output reads as if there had been none. Engines report
// OperationProgress (pulls report their richer transfer records, PullProgress and
// LocalPullProgress, whose words are in OstreeText); this is the only sink that draws them. When standard output is not
// a terminal (a pipe, a file, a test's writer) Start returns null and nothing is drawn, so
// scripts and --json consumers never see progress.
using System.Globalization;
using Arbor.Native;
using Arbor.Ostree.Pull;

namespace Arbor.Cli;

/// <summary>Renders <see cref="OperationProgress"/> on one terminal line.</summary>
internal sealed class ProgressLine : IProgress<OperationProgress>, IProgress<PullProgress>, IProgress<LocalPullProgress>, IDisposable
{
    private readonly TextWriter _out;
    private readonly Lock _gate = new();
    private int _width;

    private ProgressLine(TextWriter output) => _out = output;

    /// <summary>True when <paramref name="output"/> is the process's standard output and that is a terminal.</summary>
    public static bool IsTerminal(TextWriter output) =>
        !Console.IsOutputRedirected && ReferenceEquals(output, Console.Out);

    /// <summary>A progress line on the verb's output when it is a terminal, else null.</summary>
    public static ProgressLine? Start(VerbContext ctx) => Start(ctx.Out);

    /// <summary>A progress line on <paramref name="output"/> when it is a terminal, else null.</summary>
    public static ProgressLine? Start(TextWriter output) => IsTerminal(output) ? new ProgressLine(output) : null;

    /// <summary>Draws a snapshot over the previous one.</summary>
    public void Report(OperationProgress value) => ReportText(Format(value));

    /// <summary>Draws a pull's snapshot over the previous one.</summary>
    public void Report(PullProgress value) => ReportText(OstreeText.PullProgressLine(value));

    /// <summary>Draws a pull-local's snapshot over the previous one.</summary>
    public void Report(LocalPullProgress value) => ReportText(OstreeText.LocalPullProgressLine(value));

    /// <summary>Draws a line of text over the previous one.</summary>
    public void ReportText(string text)
    {
        lock (_gate)
        {
            var pad = Math.Max(0, _width - text.Length);
            _out.Write("\r" + text + new string(' ', pad));
            _out.Flush();
            _width = text.Length;
        }
    }

    /// <summary>The text of one snapshot, e.g. <c>Committing: 1200/5000 files (48.1 MB)</c>.</summary>
    public static string Format(OperationProgress p)
    {
        var s = p.Total > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{p.Phase}: {p.Done}/{p.Total} {p.Unit}")
            : string.Create(CultureInfo.InvariantCulture, $"{p.Phase}: {p.Done} {p.Unit}");
        if (p.Bytes > 0)
            s += $" ({Arbor.Native.ByteSize.Format((ulong)p.Bytes)})";
        return s;
    }

    /// <summary>Erases the line (before a message is printed; later reports draw it again).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            if (_width > 0)
                _out.Write("\r" + new string(' ', _width) + "\r");
            _out.Flush();
            _width = 0;
        }
    }

    /// <summary>Erases the line.</summary>
    public void Dispose() => Clear();
}
