// Runs libsolv testcase files (.t) the way Debian's `testsolv` does, through Arbor's binding: each
// file gets a fresh pool configured by the file itself (so `system … rpm` lines switch semantics
// and files without one keep the build default, exactly as testsolv); each job is solved and its
// result compared with the file's `result` block (or printed, for -r). libsolv's own printing goes
// through the pool's output callback into the caller's writers, in order with ours.
using Arbor.Native.Solv;

namespace Arbor.Rpm.Solver;

/// <summary>testsolv's behaviour over Arbor's libsolv binding.</summary>
public static class TestcaseRunner
{
    private const int ResultTransaction = 1, ResultProblems = 2, ReuseSolver = 1 << 31;

    private sealed class Sink(TextWriter stdout, TextWriter stderr) : ISolvOutput
    {
        public void Out(string text) => stdout.Write(text);

        public void Error(string text) => stderr.Write(text);
    }

    /// <summary>
    /// Runs <paramref name="files"/>; returns testsolv's exit code: 0 all results matched, 1 a
    /// result differed or a file was invalid, 77 a file asked to be skipped.
    /// </summary>
    public static int Run(IReadOnlyList<string> files, bool printResult, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        int exit = 0;
        foreach (var path in files)
        {
            if (!File.Exists(path))
            {
                // testsolv reports with perror and stops with status 0.
                stderr.WriteLine($"{path}: No such file or directory");
                return 0;
            }
            using var pool = SolvPool.Create();
            pool.RedirectOutput(new Sink(stdout, stderr), SolvPool.DebugResult | SolvPool.DebugError);
            using var file = SolvTestcaseFile.Open(path);
            int multijob = 0;
            SolvSolver? reuse = null;
            try
            {
                while (!file.AtEnd)
                {
                    using var jobs = new SolvQueue();
                    var solver = file.ReadNext(pool, jobs, out var expected, out int flags);
                    if (solver is null)
                        return flags == 77 ? 77 : 1;
                    if (reuse is not null)
                    {
                        solver.Dispose();
                        solver = reuse;
                        reuse = null;
                    }
                    if (multijob == 0 && !file.AtEnd)
                        multijob = 1;
                    if (multijob > 0)
                        stdout.Write($"test {multijob++}:\n");
                    if (expected is not null || printResult)
                    {
                        if (CompareOrPrint(solver, jobs, expected, flags, printResult, stdout))
                            exit = 1;
                    }
                    else
                    {
                        PrintSolution(solver, jobs, stdout);
                    }
                    if ((flags & ReuseSolver) != 0 && !file.AtEnd)
                        reuse = solver;
                    else
                        solver.Dispose();
                }
            }
            finally
            {
                reuse?.Dispose();
            }
        }
        return exit;
    }

    /// <summary>Solves and compares with (or prints) the result; true when it differed.</summary>
    private static bool CompareOrPrint(SolvSolver solver, SolvQueue jobs, string? expected, int flags, bool printResult, TextWriter stdout)
    {
        solver.Solve(jobs);
        if ((flags & ~ReuseSolver) == 0)
            flags |= ResultTransaction | ResultProblems;
        var actual = solver.TestcaseResult(flags);
        if (printResult)
        {
            stdout.Write(actual);
            return false;
        }
        var diff = SolvSolver.TestcaseResultDiff(expected ?? "", actual);
        if (diff is null)
            return false;
        stdout.Write("Results differ:\n" + diff);
        return true;
    }

    private static void PrintSolution(SolvSolver solver, SolvQueue jobs, TextWriter stdout)
    {
        int problems = solver.Solve(jobs);
        if (problems == 0)
        {
            using var trans = solver.CreateTransaction();
            stdout.Write("Transaction summary:\n\n");
            trans.Print();
            return;
        }
        stdout.Write($"Found {problems} problems:\n");
        for (int problem = 1; problem <= problems; problem++)
        {
            stdout.Write($"Problem {problem}:\n");
            solver.PrintProblem(problem);
            stdout.Write("\n");
            int solutions = solver.SolutionCount(problem);
            for (int s = 1; s <= solutions; s++)
            {
                stdout.Write($"Solution {s}:\n");
                solver.PrintSolution(problem, s);
                stdout.Write("\n");
            }
        }
    }
}
