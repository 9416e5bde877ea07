// Runs the package scripts of an assembled tree, the way rpm-ostree does after its union checkout
// (rpmostree-core.cxx, rpmostree-scripts.cxx): every %pre in transaction order, then each
// package's %post, then every %posttrans, then each %transfiletriggerin fed the files under its
// patterns (only below /usr, never /usr/local) on stdin. All run in one ScriptSandbox. Right
// before each package's %post a caller's hook may run (file ownership, as rpm-ostree does there).
//
// Around the scripts the tree is arranged as a running system expects it: /usr/etc is /etc again
// (with a /usr/etc link back), /var/lib/rpm-state is a scratch directory, and the tools that would
// reach outside an offline tree are wrapped: `systemctl` keeps only `preset` and `--root`, and
// sss_cache is moved away. Everything is put back afterwards, whether the scripts succeed or not.
using System.Text;
using Arbor.Native;
using Arbor.Rpm.Package;

namespace Arbor.Compose.Assemble;

/// <summary>A package in transaction order with what the transaction does to it.</summary>
/// <param name="Package">The package's header.</param>
/// <param name="Action">Install, upgrade or downgrade; gives the scripts' <c>$1</c>.</param>
public sealed record ScriptedPackage(PackageInfo Package, PackageAction Action);

/// <summary>A line a script printed (stdout and stderr together).</summary>
/// <param name="ScriptId">rpm-ostree's name for the script, e.g. <c>foo.post</c>; the line is shown after it and a colon.</param>
/// <param name="Line">The text.</param>
public sealed record ScriptOutputLine(string ScriptId, string Line);

/// <summary>How scripts run.</summary>
public sealed class ScriptRunOptions
{
    /// <summary>Run the kernel packages' %posttrans (kernel-install) instead of skipping them.</summary>
    public bool UseKernelInstall { get; init; }

    /// <summary>Passed to scripts as <c>SOURCE_DATE_EPOCH</c> when set.</summary>
    public string? SourceDateEpoch { get; init; }

    /// <summary>Receives every line scripts print, after each script ends.</summary>
    public Action<ScriptOutputLine>? Output { get; init; }

    /// <summary>Scripts run so far out of all to run.</summary>
    public IProgress<OperationProgress>? Progress { get; init; }

    /// <summary>
    /// Called for every package, in transaction order, right before its %post would run (after
    /// every %pre), with the tree arranged as scripts see it: where rpm-ostree applies file ownership.
    /// </summary>
    public Action<PackageInfo>? BeforePost { get; init; }
}

/// <summary>Runs package scripts in an assembled tree.</summary>
public static class ScriptRunner
{
    private const string SystemctlWrapper =
        "#!/bin/sh\n" +
        "# Installed by Arbor while package scripts run: an offline tree honours only presets.\n" +
        "for arg in \"$@\"; do\n" +
        "  case $arg in\n" +
        "    preset|--root|--root=*) exec /usr/bin/systemctl.rpmostreesave \"$@\" ;;\n" +
        "  esac\n" +
        "done\n" +
        "echo \"rpm-ostree-systemctl: Ignored non-preset command:\" \"$@\"\n";

    private static readonly string[] MovedAway = ["usr/sbin/sss_cache"];

    /// <summary>
    /// Runs the scripts of <paramref name="packages"/> (in transaction order) in the tree at
    /// <paramref name="root"/>; returns how many ran.
    /// </summary>
    /// <exception cref="ComposeException">A package has a script Arbor cannot run, or a script failed; the message names both.</exception>
    public static int RunAll(string root, IReadOnlyList<ScriptedPackage> packages, ScriptRunOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(packages);
        options ??= new ScriptRunOptions();
        foreach (var p in packages)
            PackageScripts.Validate(p.Package, options.UseKernelInstall);
        var phases = new List<PackageScript>();
        var beforePost = new Dictionary<int, PackageInfo>();
        foreach (var kind in new[] { ScriptKind.PreIn, ScriptKind.PostIn, ScriptKind.PostTrans, ScriptKind.TransFileTriggerIn })
        {
            foreach (var p in packages)
            {
                if (kind == ScriptKind.PostIn && options.BeforePost is not null)
                    beforePost.Add(phases.Count + beforePost.Count, p.Package);
                phases.AddRange(PackageScripts.For(p.Package, kind, p.Action, options.UseKernelInstall));
            }
        }
        if (phases.Count == 0 && beforePost.Count == 0)
            return 0;

        root = Path.GetFullPath(root);
        using var etc = TempEtc.Arrange(root);
        using var prep = ToolWrappers.Install(root);
        string stateDir = Path.Combine(root, "var/lib/rpm-state");
        Directory.CreateDirectory(stateDir);
        int ran = 0;
        var counter = new ProgressCounter(options.Progress, "Running scripts", phases.Count, "scripts");
        try
        {
            using var sandbox = new ScriptSandbox(root, SandboxMutability.CopyUp, options.SourceDateEpoch);
            for (int step = 0, next = 0; next < phases.Count || beforePost.ContainsKey(step); step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (beforePost.TryGetValue(step, out var package))
                {
                    options.BeforePost!(package);
                    continue;
                }
                if (Run(sandbox, root, phases[next++], stateDir, options, cancellationToken))
                    ran++;
                counter.Add(1);
            }
        }
        finally
        {
            Directory.Delete(stateDir, recursive: true);
        }
        counter.Report();
        return ran;
    }

    /// <summary>
    /// Creates the users and groups the tree's sysusers.d asks for before any script runs, as
    /// rpm-ostree does: with the command the tree's rpm names in <c>%__systemd_sysusers</c> (an rpm
    /// built with sysusers support), or with <c>/usr/bin/systemd-sysusers</c> when
    /// <paramref name="forced"/> (the treefile's <c>sysusers: compose-forced</c>). Returns whether it ran.
    /// </summary>
    /// <exception cref="ComposeException">The command failed; the message carries what it printed.</exception>
    public static bool RunSysusers(string root, bool forced, Action<ScriptOutputLine>? output = null, CancellationToken cancellationToken = default)
    {
        using var etc = TempEtc.Arrange(Path.GetFullPath(root));
        string command = "";
        if (File.Exists(Path.Combine(root, "usr/bin/rpm")))
        {
            using var query = new ScriptSandbox(root, SandboxMutability.Immutable);
            var eval = query.Run(["rpm", "--eval=%{?__systemd_sysusers}"], cancellationToken: cancellationToken);
            if (eval.ExitCode == 0)
                command = string.Join("", eval.Output).Trim();
        }
        if (command.Length == 0 && forced)
            command = "/usr/bin/systemd-sysusers";
        if (command.Length == 0)
            return false;
        using var sandbox = new ScriptSandbox(root, SandboxMutability.CopyUp);
        var result = sandbox.Run([command], cancellationToken: cancellationToken);
        foreach (string line in result.Output)
            output?.Invoke(new ScriptOutputLine("systemd-sysusers", line));
        if (result.ExitCode != 0)
            throw new ComposeException($"Running systemd-sysusers: bwrap({command}): Child process exited with code {result.ExitCode}");
        return true;
    }

    /// <summary>Checks that the tree can run <c>/usr/bin/true</c> in a read-only sandbox, as rpm-ostree does before committing.</summary>
    /// <exception cref="ComposeException">It cannot; the message carries what the sandbox printed.</exception>
    public static void SanityCheck(string root, CancellationToken cancellationToken = default)
    {
        using var etc = TempEtc.Arrange(Path.GetFullPath(root));
        using var sandbox = new ScriptSandbox(root, SandboxMutability.Immutable);
        var result = sandbox.Run(["/usr/bin/true"], cancellationToken: cancellationToken);
        if (result.ExitCode != 0)
            throw new ComposeException($"Sanity-checking final rootfs: bwrap(/usr/bin/true): Child process exited with code {result.ExitCode}"
                + (result.Output.Count > 0 ? ": " + string.Join(" ", result.Output) : ""));
    }

    private static bool Run(ScriptSandbox sandbox, string root, PackageScript script, string stateDir, ScriptRunOptions options,
        CancellationToken cancellationToken)
    {
        string? stdin = null;
        if (script.Kind == ScriptKind.TransFileTriggerIn)
        {
            stdin = MatchingFiles(root, script.Patterns);
            if (stdin.Length == 0)
                return false;
        }
        string interpreter = script.Interpreter[0];
        var argv = new List<string> { interpreter, ScriptSandbox.ScriptPathInside };
        if (script.Argument is not null)
            argv.Add(script.Argument);
        var result = sandbox.Run(argv, script.Body, stdin, script.Kind == ScriptKind.TransFileTriggerIn ? null : stateDir, cancellationToken: cancellationToken);
        if (options.Output is { } output)
        {
            foreach (string line in result.Output)
                output(new ScriptOutputLine(script.Id, line));
        }
        if (result.ExitCode != 0)
        {
            string what = $"bwrap({interpreter}): Child process exited with code {result.ExitCode}";
            string desc = "%" + PackageScripts.Suffix(script.Kind);
            throw new ComposeException(script.Kind == ScriptKind.TransFileTriggerIn
                ? $"Executing {desc} for {script.Package}: {what}"
                : $"Running {desc} for {script.Package}: {what}");
        }
        return true;
    }

    // rpm-ostree hands a file trigger every file below its patterns, and only below /usr (not
    // /usr/local); a pattern naming a file matches that file.
    internal static string MatchingFiles(string root, IReadOnlyList<string> patterns)
    {
        var text = new StringBuilder();
        foreach (string raw in patterns)
        {
            string pattern = raw.TrimEnd('/');
            if (pattern.StartsWith("usr/local", StringComparison.Ordinal) || !pattern.StartsWith("usr/", StringComparison.Ordinal))
                continue;
            string full = Path.Combine(root, pattern);
            if (Directory.Exists(full))
                ListFiles(full, "/" + pattern, text);
            else if (Path.Exists(full) || new FileInfo(full).LinkTarget is not null)
                text.Append('/').Append(pattern).Append('\n');
        }
        return text.ToString();
    }

    private static void ListFiles(string dir, string shown, StringBuilder text)
    {
        var entries = new List<string>();
        foreach (byte[] name in LibC.ReadDirNames(dir))
            entries.Add(Encoding.UTF8.GetString(name));
        entries.Sort(StringComparer.Ordinal);
        foreach (string name in entries)
        {
            string path = Path.Combine(dir, name);
            if (LibC.LStat(path).IsDirectory)
                ListFiles(path, shown + "/" + name, text);
            else
                text.Append(shown).Append('/').Append(name).Append('\n');
        }
    }

    /// <summary>The tools replaced or moved away while scripts run, and put back afterwards.</summary>
    private sealed class ToolWrappers : IDisposable
    {
        private readonly List<string> _saved = [];
        private readonly string _root;

        private ToolWrappers(string root) => _root = root;

        public static ToolWrappers Install(string root)
        {
            var prep = new ToolWrappers(root);
            foreach (string path in MovedAway)
                prep.Save(path);
            string systemctl = "usr/bin/systemctl";
            if (prep.Save(systemctl))
            {
                string full = Path.Combine(root, systemctl);
                File.WriteAllText(full, SystemctlWrapper);
                File.SetUnixFileMode(full, (UnixFileMode)0x1ED); // 0755
            }
            return prep;
        }

        public void Dispose()
        {
            foreach (string path in _saved)
            {
                string full = Path.Combine(_root, path);
                File.Delete(full);
                File.Move(full + ".rpmostreesave", full);
            }
        }

        private bool Save(string path)
        {
            string full = Path.Combine(_root, path);
            if (!File.Exists(full) && new FileInfo(full).LinkTarget is null)
                return false;
            File.Move(full, full + ".rpmostreesave");
            _saved.Add(path);
            return true;
        }
    }
}
