// `arbor rpm testsolv [-r] FILE…` runs libsolv testcase files through Arbor's binding with
// Debian testsolv's output and exit codes; `arbor rpm resolve` solves an install request against
// local rpm-md repositories (and optionally an install root's rpmdb) and prints the ordered
// transaction, one NEVRA per line, so scripts and tests can hold it against dnf. Parsing and
// printing only: the work is Arbor.Rpm.Solver's.
using System.Runtime.InteropServices;
using Arbor.Rpm.Solver;

namespace Arbor.Cli.Verbs.Rpm;

internal static class SolverCommands
{
    internal static readonly OptionSpec[] TestsolvOptions =
        [new("result", 'r', OptionArg.None, "Print the result instead of comparing it with the file's result block")];

    internal static readonly OptionSpec[] ResolveOptions =
    [
        new("repofrompath", '\0', OptionArg.StringArray, "Repository id and local directory holding repodata/", "ID,DIR"),
        new("installroot", '\0', OptionArg.String, "Tree whose usr/share/rpm holds the installed packages", "ROOT"),
        new("arch", '\0', OptionArg.String, "Architecture to solve for (default: this machine's)", "ARCH"),
        new("no-weak-deps", '\0', OptionArg.None, "Ignore Recommends and Supplements"),
        new("exclude", 'x', OptionArg.StringArray, "Hide packages from the solver", "PKG"),
        new("best", '\0', OptionArg.None, "Fail rather than install an older candidate"),
        new("allowerasing", '\0', OptionArg.None, "Allow removing installed packages to resolve the request"),
        new("cachedir", '\0', OptionArg.String, "Keep parsed repositories (.solv) here", "DIR"),
        new("kinds", '\0', OptionArg.None, "Prefix each line with the step kind (install, erase, upgrade, …)"),
        new("testcase", '\0', OptionArg.String, "Also write the solve as a libsolv testcase (testcase.t and repositories) into DIR, for testsolv", "DIR"),
    ];

    public static int Testsolv(ParsedArgs args, TextWriter stdout)
    {
        if (args.Positional.Count == 0)
            throw new UsageException("testsolv takes [-r] FILE...");
        return TestcaseRunner.Run(args.Positional, args.Has("result"), stdout, Console.Error);
    }

    public static int Resolve(ParsedArgs args, TextWriter stdout)
    {
        var repos = args.GetAll("repofrompath");
        if (repos.Count == 0 || args.Positional.Count == 0)
            throw new UsageException("resolve takes --repofrompath=ID,DIR... [--installroot ROOT] [--arch ARCH] [--no-weak-deps] PKG...");
        using var pool = SolverPool.Create(args.Get("arch") ?? MachineArch());
        foreach (var spec in repos)
        {
            int comma = spec.IndexOf(',', StringComparison.Ordinal);
            if (comma <= 0 || comma == spec.Length - 1)
                throw new UsageException($"--repofrompath wants ID,DIR, not '{spec}'");
            var dir = spec[(comma + 1)..];
            if (dir.StartsWith("file://", StringComparison.Ordinal))
                dir = dir["file://".Length..];
            pool.AddRpmMdRepository(spec[..comma], dir, solvCacheDir: args.Get("cachedir"));
        }
        if (args.Get("installroot") is { } root && File.Exists(Path.Combine(root, "usr", "share", "rpm", "rpmdb.sqlite")))
            pool.SetInstalledFromRoot(root);
        var request = new SolveRequest
        {
            Install = args.Positional,
            Excludes = [.. args.GetAll("exclude")],
            WeakDeps = !args.Has("no-weak-deps"),
            Best = args.Has("best"),
            AllowUninstall = args.Has("allowerasing"),
            TestcaseDirectory = args.Get("testcase"),
        };
        SolveResult result;
        try
        {
            result = pool.Solve(request);
        }
        catch (PackageNotFoundException e)
        {
            foreach (var s in e.Specs)
                Console.Error.WriteLine($"No match for argument: {s}");
            Console.Error.WriteLine($"Error: Unable to find a match: {string.Join(' ', e.Specs)}");
            return 1;
        }
        if (!result.Success)
        {
            Console.Error.WriteLine("Error: \n " + result.ProblemText);
            return 1;
        }
        bool kinds = args.Has("kinds");
        foreach (var step in result.Steps)
            stdout.WriteLine(kinds ? $"{step.Kind.ToString().ToLowerInvariant()} {step.Package.Nevra}" : step.Package.Nevra);
        return 0;
    }

    private static string MachineArch() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "x86_64",
        Architecture.Arm64 => "aarch64",
        Architecture.X86 => "i686",
        Architecture.Arm => "armv7hl",
        Architecture.S390x => "s390x",
        Architecture.Ppc64le => "ppc64le",
        var a => a.ToString().ToLowerInvariant(),
    };
}
