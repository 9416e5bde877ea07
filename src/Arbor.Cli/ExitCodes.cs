// The one map from what went wrong to what the user sees and the exit status, for every command
// family. Each family answers as the tool whose syntax it takes: `arbor ostree` as ostree
// (every failure, usage included, is "error: MESSAGE" and status 1), the host verbs as rpm-ostree
// (1, and 77 where a verb asks for it: that is a result, returned by the verb, not an error), and
// `arbor rpm` / `arbor serve` the same way, adding the family's usage text after a usage error.
// Anything else that escapes an engine is a defect: it is still reported on one line (the
// exception type names it for the bug report) and exits 1; ARBOR_DEBUG=1 adds the stack trace.
using System.Security.Cryptography;
using Arbor.Native;
using Arbor.Ostree;

namespace Arbor.Cli;

/// <summary>Which tool's conventions a command follows.</summary>
internal enum CommandFamily
{
    /// <summary><c>arbor</c> itself (no command, unknown command).</summary>
    Top,

    /// <summary><c>arbor ostree …</c>: ostree's.</summary>
    Ostree,

    /// <summary><c>arbor status|upgrade|…</c>: rpm-ostree's.</summary>
    Host,

    /// <summary><c>arbor rpm …</c>.</summary>
    Rpm,

    /// <summary><c>arbor serve</c>.</summary>
    Serve,
}

/// <summary>A usage error: the command line itself is wrong.</summary>
/// <param name="message">What was wrong, e.g. "Unknown option --bogus".</param>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Exit statuses and the exception → status map.</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>Any failure, usage errors included (ostree and rpm-ostree both exit 1).</summary>
    public const int Failure = 1;

    /// <summary>rpm-ostree's "nothing changed" (<c>--unchanged-exit-77</c>, <c>upgrade --check</c>, <c>status --pending-exit-77</c>).</summary>
    public const int Unchanged = 77;

    /// <summary>Reports <paramref name="e"/> on <paramref name="stderr"/> and returns the exit status.</summary>
    public static int Report(Exception e, CommandFamily family, TextWriter stdout, TextWriter stderr, string? usage = null)
    {
        try
        {
            stdout.Flush();
        }
        catch (IOException)
        {
            // A closed pipe on stdout must not hide the real error.
        }
        if (e is AggregateException { InnerExceptions.Count: > 0 } agg)
            e = agg.InnerExceptions[0];
        // Messages quote names and text from remotes and files: control characters are escaped.
        // Compose errors keep their line breaks: a depsolve problem and its rules, or several
        // file conflicts, are written one per line as rpm-ostree (libdnf) and rpm write them.
        stderr.WriteLine($"error: {TerminalText.Escape(Describe(e), keepNewlines: e is Arbor.Compose.ComposeException)}");
        if (e is UsageException && usage is not null && family is CommandFamily.Rpm or CommandFamily.Top)
            stderr.Write(usage);
        if (Environment.GetEnvironmentVariable("ARBOR_DEBUG") == "1")
            stderr.WriteLine(e.ToString());
        stderr.Flush();
        return Failure;
    }

    /// <summary>True for the failures Arbor reports by design (bad input, I/O, the network); false for defects.</summary>
    public static bool IsExpected(Exception e) => e is UsageException or OstreeException or IOException or UnauthorizedAccessException
        or FormatException or InvalidDataException or NativeIOException or HttpRequestException or CryptographicException
        or OperationCanceledException or Arbor.Compose.ComposeException or Arbor.Compose.Import.PackageImportException or ArgumentException or InvalidOperationException or NotSupportedException;

    private static string Describe(Exception e) => IsExpected(e)
        ? e.Message
        : $"{e.Message} ({e.GetType().Name}; this is a bug in Arbor, run with ARBOR_DEBUG=1 for details)";
}
