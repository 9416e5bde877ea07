// A libsolv Solver over a SolvPool, its problems (rules, solutions) and the transaction it
// produces. The solver handle holds a reference on the pool handle, so a pool is never freed
// under a live solver. Problem texts stay Ids here; Arbor.Rpm turns them into dnf's words.
using System.Runtime.InteropServices;

namespace Arbor.Native.Solv;

/// <summary>Owns a libsolv <c>Solver*</c> and keeps its pool alive.</summary>
public sealed class SolvSolverHandle : SafeHandle
{
    private readonly SolvPoolHandle _pool;

    internal SolvSolverHandle(nint solver, SolvPoolHandle pool) : base(0, ownsHandle: true)
    {
        bool added = false;
        pool.DangerousAddRef(ref added);
        _pool = pool;
        SetHandle(solver);
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        SolvNative.SolverFree(handle);
        _pool.DangerousRelease();
        return true;
    }
}

/// <summary>One rule behind a problem: its SOLVER_RULE_* type and the solvables/dependency involved.</summary>
public readonly record struct SolvRuleInfo(int Type, int Source, int Target, int Dep);

/// <summary>A libsolv solver.</summary>
public sealed unsafe class SolvSolver : IDisposable
{
    /// <summary>Job selectors (how &amp; 0xff).</summary>
    public const int Solvable = 1, SolvableName = 2, SolvableProvides = 3, SolvableOneOf = 4, SolvableRepo = 5, SolvableAll = 6;

    /// <summary>Job commands (how &amp; 0xff00).</summary>
    public const int Install = 0x100, Erase = 0x200, Update = 0x300, Multiversion = 0x500, Lock = 0x600,
        DistUpgrade = 0x700, AllowUninstall = 0xb00, ExcludeFromWeak = 0x1000;

    /// <summary>Job modifiers.</summary>
    public const int Weak = 0x10000, CleanDeps = 0x40000, ForceBest = 0x100000, SetEvr = 0x2000000, SetArch = 0x4000000;

    /// <summary>Solver flags.</summary>
    public const int FlagAllowDowngrade = 1, FlagAllowVendorChange = 3, FlagAllowUninstall = 4, FlagIgnoreRecommended = 7,
        FlagBestObeyPolicy = 12, FlagDupAllowVendorChange = 16, FlagKeepOrphans = 18, FlagYumObsoletes = 21, FlagUrpmReorder = 23;

    internal SolvSolver(SolvPool pool, nint solver)
    {
        Pool = pool;
        Handle = new SolvSolverHandle(solver, pool.Handle);
    }

    /// <summary>Creates a solver for <paramref name="pool"/> (call <see cref="SolvPool.Prepare"/> first).</summary>
    public static SolvSolver Create(SolvPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var s = SolvNative.SolverCreate(pool.Ptr);
        return s == 0 ? throw new SolvException("solver_create failed") : new SolvSolver(pool, s);
    }

    /// <summary>The pool the solver works on.</summary>
    public SolvPool Pool { get; }

    /// <summary>The owning handle.</summary>
    public SolvSolverHandle Handle { get; }

    internal nint Ptr
    {
        get
        {
            ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
            return Handle.DangerousGetHandle();
        }
    }

    /// <summary>Sets a SOLVER_FLAG_*; returns the old value.</summary>
    public int SetFlag(int flag, bool value) => SolvNative.SolverSetFlag(Ptr, flag, value ? 1 : 0);

    /// <summary>Solves <paramref name="jobs"/>; returns the number of problems (0 = solved).</summary>
    public int Solve(SolvQueue jobs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        return SolvNative.SolverSolve(Ptr, jobs.Ptr);
    }

    /// <summary>Number of problems of the last solve.</summary>
    public int ProblemCount => SolvNative.SolverProblemCount(Ptr);

    /// <summary>All rules involved in problem <paramref name="problem"/> (1-based), with their info.</summary>
    public IReadOnlyList<SolvRuleInfo> ProblemRules(int problem)
    {
        using var q = new SolvQueue();
        SolvNative.SolverFindAllProblemRules(Ptr, problem, q.Ptr);
        var list = new List<SolvRuleInfo>(q.Count);
        foreach (int rule in q.ToArray())
        {
            int from = 0, to = 0, dep = 0;
            int type = SolvNative.SolverRuleInfo(Ptr, rule, &from, &to, &dep);
            list.Add(new SolvRuleInfo(type, from, to, dep));
        }
        return list;
    }

    /// <summary>libsolv's own sentence for a rule.</summary>
    public string RuleInfoToString(SolvRuleInfo r) =>
        SolvNative.Str(SolvNative.SolverProblemRuleInfo2Str(Ptr, r.Type, r.Source, r.Target, r.Dep)) ?? "";

    /// <summary>libsolv's one-line summary of a problem.</summary>
    public string ProblemToString(int problem) => SolvNative.Str(SolvNative.SolverProblem2Str(Ptr, problem)) ?? "";

    /// <summary>The solutions libsolv proposes for a problem, each as its element sentences.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Solutions(int problem)
    {
        var all = new List<IReadOnlyList<string>>();
        int n = SolvNative.SolverSolutionCount(Ptr, problem);
        for (int s = 1; s <= n; s++)
        {
            var elements = new List<string>();
            int element = 0, p = 0, rp = 0;
            while ((element = SolvNative.SolverNextSolutionElement(Ptr, problem, s, element, &p, &rp)) != 0)
                elements.Add(SolvNative.Str(SolvNative.SolverSolutionElement2Str(Ptr, p, rp)) ?? "");
            all.Add(elements);
        }
        return all;
    }

    /// <summary>Prints a problem the way testsolv does, through the pool's output (see <see cref="SolvPool.RedirectOutput"/>).</summary>
    public void PrintProblem(int problem) => SolvNative.SolverPrintProblemInfo(Ptr, problem);

    /// <summary>Prints one solution of a problem through the pool's output.</summary>
    public void PrintSolution(int problem, int solution) => SolvNative.SolverPrintSolution(Ptr, problem, solution);

    /// <summary>Number of solutions libsolv proposes for a problem.</summary>
    public int SolutionCount(int problem) => SolvNative.SolverSolutionCount(Ptr, problem);

    /// <summary>The transaction of a successful solve.</summary>
    public SolvTransaction CreateTransaction()
    {
        var t = SolvNative.SolverCreateTransaction(Ptr);
        return t == 0 ? throw new SolvException("solver_create_transaction failed") : new SolvTransaction(this, t);
    }

    /// <summary>libsolv's testcase rendering of the result (testcase_solverresult with TESTCASE_RESULT_* flags).</summary>
    public string TestcaseResult(int flags) => SolvNative.TakeStr(SolvNative.TestcaseSolverResult(Ptr, flags)) ?? "";

    /// <summary>
    /// Writes this solver's pool, jobs and flags as a libsolv testcase into <paramref name="dir"/>
    /// (testcase_write: testcase.t plus one testtags file per repository), with the result of the
    /// last <see cref="Solve"/> as its expectation when <paramref name="resultFlags"/> is non-zero, so
    /// `testsolv DIR/testcase.t` replays the solve and checks that it comes out the same.
    /// </summary>
    public void WriteTestcase(string dir, int resultFlags)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        if (SolvNative.TestcaseWrite(Ptr, dir, resultFlags, null, null) == 0)
            throw new SolvException($"{dir}: writing the solver testcase failed: {Pool.ErrorString}");
    }

    /// <summary>The difference between an expected and an actual testcase result, or null when they agree.</summary>
    public static string? TestcaseResultDiff(string expected, string actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        nint e = Marshal.StringToCoTaskMemUTF8(expected), a = Marshal.StringToCoTaskMemUTF8(actual);
        try
        {
            return SolvNative.TakeStr(SolvNative.TestcaseResultDiff(e, a));
        }
        finally
        {
            Marshal.FreeCoTaskMem(e);
            Marshal.FreeCoTaskMem(a);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => Handle.Dispose();
}

/// <summary>A libsolv transaction: the steps a solve decided on.</summary>
public sealed unsafe class SolvTransaction : IDisposable
{
    /// <summary>transaction_type mode bits.</summary>
    public const int ShowActive = 1, ShowAll = 2, ShowObsoletes = 4, ChangeIsReinstall = 0x10;

    /// <summary>Step types.</summary>
    public const int TypeIgnore = 0, TypeErase = 0x10, TypeReinstalled = 0x11, TypeDowngraded = 0x12, TypeChanged = 0x13,
        TypeUpgraded = 0x14, TypeObsoleted = 0x15, TypeInstall = 0x20, TypeReinstall = 0x21, TypeDowngrade = 0x22,
        TypeChange = 0x23, TypeUpgrade = 0x24, TypeObsoletes = 0x25, TypeMultiInstall = 0x30, TypeMultiReinstall = 0x31;

    private readonly SolvSolver _solver;
    private nint _ptr;

    internal SolvTransaction(SolvSolver solver, nint ptr)
    {
        _solver = solver;
        _ptr = ptr;
    }

    private nint Ptr
    {
        get
        {
            ObjectDisposedException.ThrowIf(_ptr == 0, this);
            ObjectDisposedException.ThrowIf(_solver.Handle.IsClosed, _solver);
            return _ptr;
        }
    }

    /// <summary>The solvable Ids of the steps, in the transaction's current order.</summary>
    public int[] Steps
    {
        get
        {
            var q = (SolvQueue.Raw*)(Ptr + PoolLayout.TransactionSteps);
            return new ReadOnlySpan<int>(q->Elements, q->Count).ToArray();
        }
    }

    /// <summary>Orders the steps for installation (libsolv's transaction_order: requirements first).</summary>
    public void Order() => SolvNative.TransactionOrder(Ptr, 0);

    /// <summary>The step type of <paramref name="p"/> under <paramref name="mode"/>.</summary>
    public int Type(int p, int mode) => SolvNative.TransactionType(Ptr, p, mode);

    /// <summary>Prints the transaction summary through the pool's output (testsolv's listing).</summary>
    public void Print() => SolvNative.TransactionPrint(Ptr);

    /// <summary>The installed package that <paramref name="p"/> replaces, or 0.</summary>
    public int ReplacedBy(int p) => SolvNative.TransactionObsPkg(Ptr, p);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ptr != 0)
            SolvNative.TransactionFree(_ptr);
        _ptr = 0;
    }
}
