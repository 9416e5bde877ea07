// The judgement shared by the campaigns whose fault makes an operation fail on purpose (a full
// disk, a read-only mount): the run must end in a clean error naming the cause, exit 1, with the
// state checks holding and nothing the operation should not have kept left behind; a run that
// succeeds anyway (it fitted) must have the right result.
namespace Arbor.Interop.Tests.Faults;

/// <summary>Judges one run of an operation under a fault that should make it fail.</summary>
public static class Expect
{
    /// <summary>
    /// Records <paramref name="r"/> in <paramref name="tally"/>: a crash unless it exits 0 or 1 with
    /// one error line naming <paramref name="cause"/>; data lost when <paramref name="check"/> finds
    /// something; a wrong result when it succeeded and <paramref name="verify"/> objects. Returns
    /// true when the run failed cleanly.
    /// </summary>
    public static bool CleanFailure(FaultTally tally, KillResult r, string cause, Func<string?> check, Func<string?> verify)
    {
        tally.Run();
        if (FaultProcess.CrashReason(r) is { } why)
        {
            tally.Crash($"{why}\n{r}");
            return false;
        }
        if (check() is { } bad)
        {
            tally.DataLost($"{bad}\n{r}");
            return false;
        }
        if (r.ExitCode == 0)
        {
            if (verify() is { } wrong)
                tally.SilentWrong($"{wrong}\n{r}");
            return false;
        }
        if (!r.StderrLines[^1].Contains(cause, StringComparison.Ordinal))
        {
            tally.Crash($"the error does not name the cause ({cause})\n{r}");
            return false;
        }
        tally.CleanError();
        return true;
    }

    /// <summary>Records a rerun after the fault is gone: it must succeed with the right result.</summary>
    public static void Rerun(FaultTally tally, KillResult r, Func<string?> check, Func<string?> verify)
    {
        if (FaultProcess.CrashReason(r, allow77: true) is { } why)
            tally.Crash($"rerun: {why}\n{r}");
        else if (r.ExitCode != 0 && r.ExitCode != 77)
            tally.DataLost($"the rerun after the fault fails\n{r}");
        else if (check() is { } bad)
            tally.DataLost($"after the rerun: {bad}");
        else if (verify() is { } wrong)
            tally.SilentWrong($"the rerun gave a wrong result: {wrong}");
    }

    /// <summary>Null when <paramref name="refName"/> of <paramref name="repo"/> is at <paramref name="commit"/> (null: absent).</summary>
    public static string? RefAt(string repo, string refName, string? commit)
    {
        var r = Tools.OstreeRun("--repo=" + repo, "rev-parse", refName);
        var at = r.ExitCode == 0 ? r.Stdout.Trim() : null;
        return at == commit ? null : $"{refName} is at {at ?? "(none)"}, expected {commit ?? "(none)"}";
    }

    /// <summary>Joins two findings.</summary>
    public static string? Both(string? a, string? b) => a is null ? b : b is null ? a : a + "\n" + b;
}
