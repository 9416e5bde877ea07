// The container package scripts run in: bubblewrap over the tree being assembled, with no
// network, a private /dev, /proc, /run and /tmp, a read-only /var (writable /var/tmp), and, as
// root, only the capabilities a package script needs (rpm-ostree's set, rust/src/bwrap.rs).
//
// The tree's files are hardlinks into the package cache, so a script that rewrote one in place
// would corrupt the cached object behind every tree that shares it. /usr and /etc are therefore
// mounted through rofiles-fuse --copyup (ostree's tool, as rpm-ostree does): a file a script opens
// for writing is first copied to a new inode. Where FUSE is not available the sandbox falls back
// to breaking every hardlink under /usr and /etc before the first script: slower, equally safe.
//
// Output (stdout and stderr together) is collected and handed back line by line, so the caller
// can print it prefixed with the script's name, as rpm-ostree does outside the journal.
using System.Diagnostics;
using System.Text;

namespace Arbor.Compose.Assemble;

/// <summary>How much of the tree a sandboxed command may change.</summary>
public enum SandboxMutability
{
    /// <summary>/usr and /etc read-only (the final sanity check).</summary>
    Immutable,

    /// <summary>/usr and /etc writable, hardlinked files copied up before they change (package scripts).</summary>
    CopyUp,
}

/// <summary>The result of one sandboxed command.</summary>
/// <param name="ExitCode">The command's exit status (bwrap's own failures included).</param>
/// <param name="Output">Its stdout and stderr lines, in the order they arrived.</param>
public sealed record SandboxResult(int ExitCode, IReadOnlyList<string> Output);

/// <summary>Runs commands inside a tree with bubblewrap; one instance per script phase.</summary>
public sealed class ScriptSandbox : IDisposable
{
    private static readonly string[] ReadOnlySysDirs = ["/sys/block", "/sys/bus", "/sys/class", "/sys/dev", "/sys/devices"];
    private static readonly string[] AddedCapabilities =
        ["cap_chown", "cap_dac_override", "cap_fowner", "cap_fsetid", "cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap",
         "cap_sys_chroot", "cap_setfcap"];
    private static readonly string[] UsrLinks = ["lib", "lib32", "lib64", "bin", "sbin"];
    private static readonly string[] CompatVarLib = ["alternatives", "vagrant"];

    private readonly string _root;
    private readonly SandboxMutability _mutability;
    private readonly string _scratch;
    private readonly List<RoFilesMount> _mounts = [];
    private readonly string? _sourceDateEpoch;
    private readonly List<string> _treeArguments;

    /// <summary>Prepares a sandbox over <paramref name="root"/>; for <see cref="SandboxMutability.CopyUp"/> this mounts rofiles-fuse or breaks hardlinks.</summary>
    /// <param name="root">The tree; it must hold <c>usr</c> and <c>etc</c>.</param>
    /// <param name="mutability">What scripts may change.</param>
    /// <param name="sourceDateEpoch">Passed to scripts as <c>SOURCE_DATE_EPOCH</c> when set.</param>
    /// <exception cref="ComposeException">bubblewrap is missing or the tree lacks /usr or /etc.</exception>
    public ScriptSandbox(string root, SandboxMutability mutability, string? sourceDateEpoch = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        _root = Path.GetFullPath(root);
        _mutability = mutability;
        _sourceDateEpoch = sourceDateEpoch;
        if (FindTool("bwrap") is null)
            throw new ComposeException("bwrap (bubblewrap) is not installed; it is needed to run package scripts");
        foreach (string dir in new[] { "usr", "etc" })
        {
            if (!Directory.Exists(Path.Combine(_root, dir)))
                throw new ComposeException($"Cannot run scripts in {_root}: it has no /{dir}");
        }
        _scratch = Directory.CreateTempSubdirectory("arbor-scripts-").FullName;
        Directory.CreateDirectory(Path.Combine(_root, "run"));
        // Mount points inside the read-only /var must exist beforehand, and scripts see the
        // compatibility links rpm-ostree keeps there.
        Directory.CreateDirectory(Path.Combine(_root, "var/tmp"));
        Directory.CreateDirectory(Path.Combine(_root, "var/lib"));
        foreach (string entry in CompatVarLib)
        {
            string link = Path.Combine(_root, "var/lib", entry);
            if (!Path.Exists(link) && new FileInfo(link).LinkTarget is null)
                File.CreateSymbolicLink(link, $"../../usr/lib/{entry}");
        }
        if (mutability == SandboxMutability.CopyUp)
            PrepareCopyUp();
        _treeArguments = TreeArguments();
    }

    /// <summary>True when hardlinks were broken because rofiles-fuse could not be used.</summary>
    public bool CopiedInsteadOfFuse { get; private set; }

    /// <summary>Runs <paramref name="argv"/> in the sandbox; <paramref name="stdin"/> is written to its standard input.</summary>
    /// <param name="argv">The command inside the tree; the first element is its path.</param>
    /// <param name="scriptText">When set, bound read-only at <c>/run/arbor-script</c> (callers pass that path in <paramref name="argv"/>).</param>
    /// <param name="stdin">Text for standard input; empty input when null.</param>
    /// <param name="stateDir">A host directory bound writable at <c>/var/lib/rpm-state</c>, or null.</param>
    /// <param name="extraBinds">More writable binds: (path relative to the tree, path inside), after all the others.</param>
    /// <param name="cancellationToken">Kills the sandbox when cancelled.</param>
    public SandboxResult Run(IReadOnlyList<string> argv, string? scriptText = null, string? stdin = null, string? stateDir = null,
        IReadOnlyList<(string Source, string Destination)>? extraBinds = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(argv);
        var psi = new ProcessStartInfo("bwrap")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _root,
        };
        psi.Environment.Clear();
        psi.Environment["LANG"] = Environment.GetEnvironmentVariable("LANG") ?? "C";
        psi.Environment["PATH"] = "/usr/sbin:/usr/bin";
        psi.Environment["SYSTEMD_OFFLINE"] = "1";
        if (_sourceDateEpoch is not null)
            psi.Environment["SOURCE_DATE_EPOCH"] = _sourceDateEpoch;
        string? scriptPath = null;
        if (scriptText is not null)
        {
            scriptPath = Path.Combine(_scratch, "script");
            File.WriteAllText(scriptPath, scriptText);
        }
        foreach (string arg in BwrapArguments(scriptPath, stateDir))
            psi.ArgumentList.Add(arg);
        foreach (var (source, destination) in extraBinds ?? [])
        {
            psi.ArgumentList.Add("--bind");
            psi.ArgumentList.Add(Path.Combine(_root, source));
            psi.ArgumentList.Add(destination);
        }
        foreach (string arg in argv)
            psi.ArgumentList.Add(arg);

        var output = new List<string>();
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => Collect(output, e.Data);
        process.ErrorDataReceived += (_, e) => Collect(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using (cancellationToken.Register(() => Kill(process)))
        {
            try
            {
                if (stdin is not null)
                    process.StandardInput.Write(stdin);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The command need not read its input (a trigger may ignore the file list).
            }
            process.WaitForExit();
        }
        cancellationToken.ThrowIfCancellationRequested();
        lock (output)
            return new SandboxResult(process.ExitCode, [.. output]);
    }

    /// <summary>The bwrap options for this sandbox, before the command (exposed so tests can read the contract).</summary>
    internal List<string> BwrapArguments(string? scriptPath, string? stateDir)
    {
        var args = new List<string>(_treeArguments);
        if (stateDir is not null)
            args.AddRange(["--bind", stateDir, "/var/lib/rpm-state"]);
        if (scriptPath is not null)
            args.AddRange(["--ro-bind", scriptPath, ScriptPathInside]);
        return args;
    }

    // The options that depend only on the tree and the mounts, the same for every command.
    private List<string> TreeArguments()
    {
        var args = new List<string>
        {
            "--dev", "/dev", "--proc", "/proc", "--dir", "/run", "--dir", "/tmp", "--chdir", "/", "--die-with-parent",
            "--unshare-pid", "--unshare-uts", "--unshare-ipc", "--unshare-cgroup-try",
        };
        foreach (string dir in ReadOnlySysDirs)
        {
            if (Directory.Exists(dir))
                args.AddRange(["--ro-bind", dir, dir]);
        }
        args.Add("--unshare-net");
        if (Environment.IsPrivilegedProcess)
        {
            args.AddRange(["--cap-drop", "ALL"]);
            foreach (string cap in AddedCapabilities)
                args.AddRange(["--cap-add", cap]);
        }
        foreach (string name in UsrLinks)
        {
            if (new FileInfo(Path.Combine(_root, name)).LinkTarget is not null)
                args.AddRange(["--symlink", $"usr/{name}", $"/{name}"]);
        }
        foreach (string dir in new[] { "usr", "etc" })
        {
            if (_mutability == SandboxMutability.Immutable)
                args.AddRange(["--ro-bind", Path.Combine(_root, dir), "/" + dir]);
            else
                args.AddRange(["--bind", _mounts.Find(m => m.Name == dir)?.MountPoint ?? Path.Combine(_root, dir), "/" + dir]);
        }
        args.AddRange(["--ro-bind", Path.Combine(_root, "var"), "/var", "--tmpfs", "/var/tmp"]);
        if (Directory.Exists(Path.Combine(_root, "usr/lib/opt")))
            args.AddRange(["--symlink", "usr/lib/opt", "/opt"]);
        // Scripts must not see (or change) the tree's rpmdb.
        if (Directory.Exists(Path.Combine(_root, "usr/share/empty")) && Directory.Exists(Path.Combine(_root, "usr/share/rpm")))
            args.AddRange(["--ro-bind", Path.Combine(_root, "usr/share/empty"), "/usr/share/rpm"]);
        args.AddRange(["--tmpfs", "/run", "--ro-bind", "/dev/null", "/run/ostree-booted"]);
        return args;
    }

    /// <summary>Where a script's text appears inside the sandbox.</summary>
    public const string ScriptPathInside = "/run/arbor-script";

    /// <summary>Unmounts what the sandbox mounted and removes its scratch files.</summary>
    public void Dispose()
    {
        List<Exception>? errors = null;
        foreach (var mount in _mounts)
        {
            try
            {
                mount.Dispose();
            }
            catch (ComposeException e)
            {
                (errors ??= []).Add(e);
            }
        }
        _mounts.Clear();
        try
        {
            Directory.Delete(_scratch, recursive: true);
        }
        catch (IOException)
        {
            // A mount point still busy is reported below; the scratch directory is the system's to clean.
        }
        if (errors is not null)
            throw errors[0];
    }

    private void PrepareCopyUp()
    {
        if (FindTool("rofiles-fuse") is not null && File.Exists("/dev/fuse"))
        {
            try
            {
                foreach (string dir in new[] { "usr", "etc" })
                    _mounts.Add(RoFilesMount.Start(dir, Path.Combine(_root, dir), Path.Combine(_scratch, "mnt-" + dir)));
                return;
            }
            catch (ComposeException)
            {
                foreach (var mount in _mounts)
                    mount.Dispose();
                _mounts.Clear();
            }
        }
        HardlinkBreaker.BreakUnder(Path.Combine(_root, "usr"));
        HardlinkBreaker.BreakUnder(Path.Combine(_root, "etc"));
        CopiedInsteadOfFuse = true;
    }

    private static void Collect(List<string> output, string? line)
    {
        if (line is null)
            return;
        lock (output)
            output.Add(line);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    internal static string? FindTool(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            if (dir.Length == 0)
                continue;
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    /// <summary>One rofiles-fuse mount, run in the foreground so its lifetime is ours.</summary>
    private sealed class RoFilesMount : IDisposable
    {
        private Process? _process;

        private RoFilesMount(string name, string mountPoint)
        {
            Name = name;
            MountPoint = mountPoint;
        }

        public string Name { get; }
        public string MountPoint { get; }

        public static RoFilesMount Start(string name, string source, string mountPoint)
        {
            Directory.CreateDirectory(mountPoint);
            var mount = new RoFilesMount(name, mountPoint);
            var psi = new ProcessStartInfo("rofiles-fuse") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string arg in new[] { "-f", "--copyup", source, mountPoint })
                psi.ArgumentList.Add(arg);
            var process = Process.Start(psi) ?? throw new ComposeException("Could not start rofiles-fuse");
            mount._process = process;
            var stderr = new StringBuilder();
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                    lock (stderr)
                        stderr.AppendLine(e.Data);
            };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            var deadline = Stopwatch.StartNew();
            while (!IsMounted(mountPoint))
            {
                if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(20))
                {
                    mount.Dispose();
                    lock (stderr)
                        throw new ComposeException($"rofiles-fuse could not mount {source}: {stderr.ToString().Trim()}");
                }
                Thread.Sleep(5);
            }
            return mount;
        }

        public void Dispose()
        {
            if (_process is null)
                return;
            if (IsMounted(MountPoint))
            {
                foreach (var (tool, args) in new[] { ("umount", new[] { MountPoint }), ("fusermount3", new[] { "-u", MountPoint }), ("fusermount", new[] { "-u", MountPoint }) })
                {
                    if (FindTool(tool) is null)
                        continue;
                    var psi = new ProcessStartInfo(tool) { UseShellExecute = false, RedirectStandardError = true };
                    foreach (string arg in args)
                        psi.ArgumentList.Add(arg);
                    using var p = Process.Start(psi);
                    p?.StandardError.ReadToEnd();
                    p?.WaitForExit();
                    if (!IsMounted(MountPoint))
                        break;
                }
            }
            if (!_process.WaitForExit(TimeSpan.FromSeconds(20)))
                _process.Kill();
            _process.Dispose();
            _process = null;
            if (IsMounted(MountPoint))
                throw new ComposeException($"Could not unmount the rofiles-fuse mount at {MountPoint}");
        }

        private static bool IsMounted(string path)
        {
            string escaped = path.Replace("\\", "\\134", StringComparison.Ordinal).Replace(" ", "\\040", StringComparison.Ordinal)
                .Replace("\t", "\\011", StringComparison.Ordinal).Replace("\n", "\\012", StringComparison.Ordinal);
            foreach (string line in File.ReadLines("/proc/self/mountinfo"))
            {
                // Field 5 is the mount point.
                var fields = line.Split(' ');
                if (fields.Length > 4 && fields[4] == escaped)
                    return true;
            }
            return false;
        }
    }
}
