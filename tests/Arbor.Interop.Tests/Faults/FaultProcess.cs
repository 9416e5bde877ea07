// Running an operation so that it can be interrupted: start the process, sleep a delay drawn by
// the campaign, SIGKILL it if it is still running, and say how it ended. Also the one judgement of
// what a crash looks like (unhandled exception text, "this is a bug", an exit code other than 0 or
// 1, a signal the test did not send), and the run counts a campaign makes (ARBOR_FAULT_RUNS).
using System.Diagnostics;
using System.Globalization;

namespace Arbor.Interop.Tests.Faults;

/// <summary>How a possibly killed process ended.</summary>
public sealed record KillResult(bool Killed, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed, string Command)
{
    /// <summary>The non-empty lines of stderr.</summary>
    public IReadOnlyList<string> StderrLines =>
        Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <inheritdoc />
    public override string ToString() =>
        $"`{Command}` {(Killed ? "killed by the test" : $"exited {ExitCode}")} after {Elapsed.TotalMilliseconds:0} ms\n--- stderr ---\n{(Stderr.Length > 3000 ? "..." + Stderr[^3000..] : Stderr)}";
}

/// <summary>Starts, interrupts and judges processes for the fault campaigns.</summary>
public static class FaultProcess
{
    /// <summary>Runs per operation: ARBOR_FAULT_RUNS, else <paramref name="defaultRuns"/>.</summary>
    public static int Runs(int defaultRuns) =>
        int.TryParse(Environment.GetEnvironmentVariable("ARBOR_FAULT_RUNS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : defaultRuns;

    /// <summary>The seed of the campaign's delays: ARBOR_FAULT_SEED, else a fixed one (printed by every failure).</summary>
    public static int Seed =>
        int.TryParse(Environment.GetEnvironmentVariable("ARBOR_FAULT_SEED"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 20261207;

    /// <summary>
    /// Starts <paramref name="exe"/>; after <paramref name="killAfter"/> (never, when null) sends
    /// SIGKILL if it is still running, then waits for it.
    /// </summary>
    public static KillResult Run(string exe, IReadOnlyList<string> args, TimeSpan? killAfter, IReadOnlyDictionary<string, string>? env = null)
    {
        var psi = Tools.StartInfo(exe, args);
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
            psi.Environment[k] = v;
        var command = Path.GetFileName(exe) + " " + string.Join(' ', args);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {command}");
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        bool sent = false;
        if (killAfter is { } delay && !p.WaitForExit(delay))
        {
            try
            {
                p.Kill(); // SIGKILL on Linux
                sent = true;
            }
            catch (InvalidOperationException)
            {
                // it exited just now
            }
        }
        if (!p.WaitForExit(Tools.DefaultTimeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            throw new TimeoutException($"`{command}` did not finish within {Tools.DefaultTimeout.TotalSeconds:0}s");
        }
        p.WaitForExit();
        sw.Stop();
        // 128 + SIGKILL: only a kill the test sent counts as "killed"; any other signal is a crash.
        return new KillResult(sent && p.ExitCode == 137, p.ExitCode, stdout.Result, stderr.Result, sw.Elapsed, command);
    }

    /// <summary>Runs arbor with <paramref name="args"/>, killed after <paramref name="killAfter"/> unless it finished.</summary>
    public static KillResult Arbor(IReadOnlyList<string> args, TimeSpan? killAfter = null, IReadOnlyDictionary<string, string>? env = null) =>
        Run(Tools.ArborBin, args, killAfter, env);

    /// <summary>
    /// Why this ending is a crash, or null: a signal the test did not send, an exit code other than
    /// 0/1 (77 where <paramref name="allow77"/>), unhandled exception text, "this is a bug", or a
    /// failure that does not end in one "error: …" line.
    /// </summary>
    public static string? CrashReason(KillResult r, bool allow77 = false)
    {
        if (r.Stderr.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase) ||
            r.Stderr.Contains("this is a bug", StringComparison.OrdinalIgnoreCase) ||
            r.Stderr.Contains("\n   at ", StringComparison.Ordinal))
            return "unhandled exception text";
        if (r.Killed)
            return null;
        if (r.ExitCode is 0 or 1 || (allow77 && r.ExitCode == 77))
        {
            if (r.ExitCode == 1 && (r.StderrLines.Count == 0 || !r.StderrLines[^1].StartsWith("error: ", StringComparison.Ordinal)))
                return "a failure without an error line";
            return null;
        }
        return $"exit code {r.ExitCode}";
    }

    /// <summary>A delay in [0, <paramref name="span"/>] drawn from <paramref name="rng"/>.</summary>
    public static TimeSpan Delay(Random rng, TimeSpan span) => TimeSpan.FromMilliseconds(rng.NextDouble() * span.TotalMilliseconds);
}
