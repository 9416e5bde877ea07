// What must hold after any fault, whatever the operation: both fsck tools accept the repository,
// every ref names a complete commit (a commit still marked partial is allowed, a ref to one is
// not), and a sysroot stays bootable (`ostree admin status` reads it and every boot entry's kernel
// and initramfs exist). Each check returns a description of what is wrong, or null.
using System.Text.RegularExpressions;

namespace Arbor.Interop.Tests.Faults;

/// <summary>Consistency checks on repositories and sysroots after a fault.</summary>
public static partial class FaultChecks
{
    /// <summary>Every ref (local and remote) with the commit it names, read by the real ostree.</summary>
    public static SortedDictionary<string, string> Refs(string repo)
    {
        var refs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var list = Tools.OstreeRun("--repo=" + repo, "refs");
        if (list.ExitCode != 0)
            return refs;
        foreach (var name in list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var rev = Tools.OstreeRun("--repo=" + repo, "rev-parse", name);
            refs[name] = rev.ExitCode == 0 ? rev.Stdout.Trim() : "(unreadable: " + rev.Stderr.Trim() + ")";
        }
        return refs;
    }

    /// <summary>Null when both fsck tools pass and every ref names a complete commit; else what is wrong.</summary>
    public static string? Repo(string repo)
    {
        var problems = new List<string>();
        var ostree = Tools.OstreeRun("--repo=" + repo, "fsck");
        if (ostree.ExitCode != 0)
            problems.Add($"ostree fsck: {ostree}");
        var arbor = Tools.Arbor("ostree", "--repo=" + repo, "fsck");
        if (arbor.ExitCode != 0)
            problems.Add($"arbor ostree fsck: {arbor}");
        foreach (var (name, commit) in Refs(repo))
        {
            if (commit.Length != 64)
            {
                problems.Add($"ref {name}: {commit}");
                continue;
            }
            if (!File.Exists(Path.Combine(repo, "objects", commit[..2], commit[2..] + ".commit")))
                problems.Add($"ref {name} names {commit}, which is not in the repository");
            else if (File.Exists(Path.Combine(repo, "state", commit + ".commitpartial")))
                problems.Add($"ref {name} names {commit}, which is still partial");
        }
        return problems.Count == 0 ? null : string.Join('\n', problems);
    }

    /// <summary>Null when <paramref name="sysroot"/> is bootable and its repository consistent; else what is wrong.</summary>
    public static string? Sysroot(string sysroot)
    {
        var problems = new List<string>();
        var status = Tools.OstreeRun("admin", "--sysroot=" + sysroot, "status");
        if (status.ExitCode != 0)
            problems.Add($"ostree admin status: {status}");
        var entries = Path.Combine(sysroot, "boot/loader/entries");
        if (Directory.Exists(entries))
        {
            foreach (var e in Directory.GetFiles(entries, "*.conf"))
            {
                foreach (var line in File.ReadAllLines(e))
                {
                    var parts = line.Split(' ', 2, StringSplitOptions.TrimEntries);
                    if (parts.Length == 2 && parts[0] is "linux" or "initrd" &&
                        !File.Exists(Path.Combine(sysroot, "boot", parts[1].TrimStart('/'))))
                        problems.Add($"{Path.GetFileName(e)}: {parts[0]} {parts[1]} is missing");
                }
            }
        }
        if (Repo(Path.Combine(sysroot, "ostree/repo")) is { } repo)
            problems.Add(repo);
        return problems.Count == 0 ? null : string.Join('\n', problems);
    }

    /// <summary>The commits of the deployments `ostree admin status` lists, in order.</summary>
    public static string[] Deployments(string sysroot) =>
        [.. Tools.OstreeOk("admin", "--sysroot=" + sysroot, "status").Stdout.Split('\n')
            .Select(l => DeploymentLine().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value)];

    // "* STATEROOT CHECKSUM.SERIAL", optionally followed by " (pending)", " (rollback)"…
    [GeneratedRegex(@"^[* ] \S+ ([0-9a-f]{64})\.[0-9]+")]
    private static partial Regex DeploymentLine();

    /// <summary>Files under the repository's tmp/ other than the cache/ directory and empty staging directories.</summary>
    public static List<string> TmpLeftovers(string repo)
    {
        var tmp = Path.Combine(repo, "tmp");
        if (!Directory.Exists(tmp))
            return [];
        return [.. Directory.EnumerateFiles(tmp, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(tmp, f).StartsWith("cache/", StringComparison.Ordinal))
            .Where(f => !Path.GetFileName(f).StartsWith(".lock", StringComparison.Ordinal) && new FileInfo(f).Length > 0)
            .Select(f => Path.GetRelativePath(tmp, f))];
    }

    /// <summary>Lifts the immutable flag ostree and Arbor put on deployment directories under <paramref name="root"/>.</summary>
    public static void Unfreeze(string root) =>
        Tools.Run("sh", "-c", $"find '{root}' -xdev -type d -path '*/ostree/deploy/*/deploy/*' -prune -exec chattr -i {{}} + 2>/dev/null; true");
}
