// Finding and running the programs the interop tests compare: the arbor executable and the real
// tools (ostree first). A missing tool fails the test with a message saying how to get it; no
// test is ever skipped.
using System.Diagnostics;
using System.Text;

namespace Arbor.Interop.Tests;

/// <summary>What a finished process left behind.</summary>
public sealed record ProcessResult(string Command, int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The non-empty lines of stderr.</summary>
    public IReadOnlyList<string> StderrLines =>
        Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <inheritdoc />
    public override string ToString() =>
        $"`{Command}` exited {ExitCode}\n--- stdout ---\n{Tail(Stdout)}\n--- stderr ---\n{Tail(Stderr)}";

    private static string Tail(string s) => s.Length <= 4000 ? s : "..." + s[^4000..];
}

/// <summary>Locates and runs arbor and the reference tools.</summary>
public static class Tools
{
    /// <summary>Default time limit for one command.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    private static readonly Lazy<string> RepoRootLazy = new(FindRepoRoot);
    private static readonly Lazy<string> ArborLazy = new(FindArbor);
    private static readonly Lazy<string> OstreeLazy = new(() => Require("ostree", "apt-get install -y ostree"));

    /// <summary>The checkout of the Arbor sources (the directory holding Arbor.sln).</summary>
    public static string RepoRoot => RepoRootLazy.Value;

    /// <summary>The arbor executable under test.</summary>
    public static string ArborBin => ArborLazy.Value;

    /// <summary>The real ostree.</summary>
    public static string Ostree => OstreeLazy.Value;

    /// <summary>True when ARBOR_ORACLE_SELFTEST=1: "arbor ostree" is the real ostree, to check the tests themselves.</summary>
    public static bool OracleSelfTest => Environment.GetEnvironmentVariable("ARBOR_ORACLE_SELFTEST") == "1";

    /// <summary>A script of this repository (scripts/NAME).</summary>
    public static string Script(string name)
    {
        var path = Path.Combine(RepoRoot, "scripts", name);
        if (!File.Exists(path))
            throw new InvalidOperationException($"{path} is missing from the checkout");
        return path;
    }

    /// <summary>Finds <paramref name="name"/> on PATH (or the sbin directories) or fails saying how to install it.</summary>
    public static string Require(string name, string install)
    {
        var path = Which(name);
        return path ?? throw new InvalidOperationException(
            $"required tool '{name}' not found on PATH; install it ({install}) — interop tests never skip");
    }

    /// <summary>The full path of <paramref name="name"/> on PATH, or null.</summary>
    public static string? Which(string name)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/bin", "/bin"]);
        foreach (var dir in dirs)
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Arbor.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no Arbor.sln above {AppContext.BaseDirectory}");
    }

    private static string FindArbor()
    {
        if (OracleSelfTest)
            return MakeOracleWrapper();
        var env = Environment.GetEnvironmentVariable("ARBOR_BIN");
        var path = string.IsNullOrEmpty(env) ? Path.Combine(RepoRoot, "bin", "arbor") : env;
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"arbor executable not found at {path} (run `make build`, or set ARBOR_BIN; " +
                "ARBOR_ORACLE_SELFTEST=1 runs the tests against the real ostree instead)");
        }
        return Path.GetFullPath(path);
    }

    /// <summary>
    /// Writes a stand-in "arbor" that runs the real ostree for "arbor ostree ...", so the tests
    /// can be checked before Arbor implements the verbs: every parity test must pass with it.
    /// </summary>
    private static string MakeOracleWrapper()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"arbor-oracle-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        var path = Path.Combine(dir, "arbor");
        File.WriteAllText(path,
            "#!/bin/sh\n" +
            "# Oracle self-test stand-in for arbor: `arbor ostree ARGS` runs the real ostree.\n" +
            "if [ \"$1\" = ostree ]; then shift; exec " + Ostree + " \"$@\"; fi\n" +
            "echo \"arbor oracle stand-in: only 'arbor ostree ...' is available\" >&2\n" +
            "exit 2\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(dir, recursive: true);
        return path;
    }

    /// <summary>How every test starts a tool: no shell, all three streams redirected (UTF-8), and plain,
    /// stable output (C.UTF-8 locale: no colours, no translations; no pager).</summary>
    public static ProcessStartInfo StartInfo(string exe, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        psi.Environment["LC_ALL"] = "C.UTF-8";
        psi.Environment["LANG"] = "C.UTF-8";
        psi.Environment["GIT_PAGER"] = "cat";
        psi.Environment["PAGER"] = "cat";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return psi;
    }

    /// <summary>Runs <paramref name="exe"/> with <paramref name="args"/> (no shell) and waits for it.</summary>
    public static ProcessResult Run(string exe, params string[] args) => RunIn(null, DefaultTimeout, exe, args);

    /// <summary>Runs a command in <paramref name="workDir"/> with a time limit.</summary>
    public static ProcessResult RunIn(string? workDir, TimeSpan timeout, string exe, params string[] args)
    {
        var psi = StartInfo(exe, args);
        if (workDir is not null)
            psi.WorkingDirectory = workDir;
        var command = Describe(exe, args);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {command}");
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            try
            {
                p.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // it exited just now
            }
            p.WaitForExit();
            throw new TimeoutException($"`{command}` did not finish within {timeout.TotalSeconds:0}s\n" +
                $"--- stderr ---\n{(stderr.IsCompleted ? stderr.Result : "")}");
        }
        p.WaitForExit();
        return new ProcessResult(command, p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs a command and fails (with its stderr) unless it exits 0.</summary>
    public static ProcessResult RunOk(string exe, params string[] args)
    {
        var r = Run(exe, args);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"command failed: {r}");
        return r;
    }

    /// <summary>Runs the arbor executable with <paramref name="args"/> as given (e.g. "ostree", "--repo=R", "commit", ...).</summary>
    public static ProcessResult Arbor(params string[] args) => Run(ArborBin, args);

    /// <summary>Runs arbor and fails unless it exits 0.</summary>
    public static ProcessResult ArborOk(params string[] args) => RunOk(ArborBin, args);

    /// <summary>Runs the real ostree.</summary>
    public static ProcessResult OstreeRun(params string[] args) => Run(Ostree, args);

    /// <summary>Runs the real ostree and fails unless it exits 0.</summary>
    public static ProcessResult OstreeOk(params string[] args) => RunOk(Ostree, args);

    /// <summary>Runs a script of this repository with bash.</summary>
    public static ProcessResult ScriptOk(TimeSpan timeout, string name, params string[] args)
    {
        var r = RunIn(null, timeout, Require("bash", "apt-get install -y bash"), [Script(name), .. args]);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"script failed: {r}");
        return r;
    }

    private static string Describe(string exe, IEnumerable<string> args)
    {
        var sb = new StringBuilder(Path.GetFileName(exe));
        foreach (var a in args)
        {
            sb.Append(' ');
            sb.Append(a.Length == 0 || a.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$' or '*')
                ? "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"
                : a);
        }
        return sb.ToString();
    }
}
