// The loop every kill -9 campaign runs: the first run of each variant of an operation (a repository
// mode, a source) is not killed (it measures how long the operation takes and proves the setup
// right); every later run is SIGKILLed after a
// delay drawn from a seeded RNG across that duration (or kills itself at a fault point). After each
// run the state checks must hold (else: data lost), a run that finished must have the right
// result (else: silent wrong), and rerunning the operation must succeed with the right result.
namespace Arbor.Interop.Tests.Faults;

/// <summary>One run of an operation under a kill campaign.</summary>
public sealed record KillAttempt(string[] Args)
{
    /// <summary>Which variant of the operation this is (a mode, a source): each has its own kill window.</summary>
    public string Variant { get; init; } = "";

    /// <summary>Environment for the killed run (e.g. ARBOR_SYSROOT_FAULT).</summary>
    public IReadOnlyDictionary<string, string>? Env { get; init; }

    /// <summary>The rerun's arguments (default: the same).</summary>
    public string[]? RerunArgs { get; init; }

    /// <summary>Runs between the fault and the rerun (to give the real tool the same leftovers, say).</summary>
    public Action? BeforeRerun { get; init; }

    /// <summary>The operation may exit 77 (rpm-ostree's "nothing to do").</summary>
    public bool Allow77 { get; init; }

    /// <summary>The process kills itself (a fault point): exit 137 counts as our kill.</summary>
    public bool SelfKill { get; init; }

    /// <summary>What must hold after the fault, whatever happened (null: fine).</summary>
    public required Func<string?> Check { get; init; }

    /// <summary>What must hold after a run that succeeded (null: the result is right).</summary>
    public required Func<string?> Verify { get; init; }

    /// <summary>Clears up after the run.</summary>
    public Action? Cleanup { get; init; }
}

/// <summary>Runs kill campaigns.</summary>
public static class KillCampaign
{
    /// <summary>
    /// Runs <paramref name="runs"/> attempts made by <paramref name="prepare"/> (the first of each variant is not
    /// killed) into <paramref name="tally"/>.
    /// </summary>
    public static void Run(FaultTally tally, int runs, int seed, Func<int, KillAttempt> prepare)
    {
        var rng = new Random(seed);
        var windows = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        for (int i = 0; i < runs; i++)
        {
            var a = prepare(i);
            try
            {
                bool first = !a.SelfKill && !windows.ContainsKey(a.Variant);
                TimeSpan? kill = first || a.SelfKill ? null : FaultProcess.Delay(rng, windows[a.Variant]);
                var r = FaultProcess.Arbor(a.Args, kill, a.Env);
                if (first && r.ExitCode != 0 && !(a.Allow77 && r.ExitCode == 77))
                    throw new InvalidOperationException($"the unkilled first run failed; the campaign's setup is wrong\n{r}");
                if (first)
                    windows[a.Variant] = r.Elapsed * 1.1 + TimeSpan.FromMilliseconds(10);
                if (a.SelfKill && r.ExitCode == 137)
                    r = r with { Killed = true };
                if (Environment.GetEnvironmentVariable("ARBOR_FAULT_TRACE") == "1")
                    Console.Error.WriteLine($"run {i} {a.Variant}: kill after {kill?.TotalMilliseconds ?? -1:0} ms; {(r.Killed ? "killed" : $"exit {r.ExitCode}")} after {r.Elapsed.TotalMilliseconds:0} ms");
                Judge(tally, a, r, $"(seed {seed}, delay {kill?.TotalMilliseconds ?? -1:0} ms)");

                a.BeforeRerun?.Invoke();
                var rerun = FaultProcess.Arbor(a.RerunArgs ?? a.Args);
                if (FaultProcess.CrashReason(rerun, a.Allow77) is { } why)
                    tally.Crash($"rerun: {why}\n{rerun}");
                else if (rerun.ExitCode != 0 && !(a.Allow77 && rerun.ExitCode == 77))
                    tally.DataLost($"the rerun after the fault fails\nfault: {r}\nrerun: {rerun}");
                else if (a.Check() is { } bad)
                    tally.DataLost($"after the rerun: {bad}");
                else if (a.Verify() is { } wrong)
                    tally.SilentWrong($"the rerun gave a wrong result: {wrong}");
            }
            finally
            {
                a.Cleanup?.Invoke();
            }
        }
    }

    private static void Judge(FaultTally tally, KillAttempt a, KillResult r, string where)
    {
        tally.Run();
        if (FaultProcess.CrashReason(r, a.Allow77) is { } why)
        {
            tally.Crash($"{why} {where}\n{r}");
            return;
        }
        if (a.Check() is { } bad)
        {
            tally.DataLost($"{bad} {where}\n{r}");
            return;
        }
        if (r.Killed || r.ExitCode == 1)
        {
            tally.CleanError();
            return;
        }
        if (a.Verify() is { } wrong)
            tally.SilentWrong($"{wrong} {where}\n{r}");
    }
}
