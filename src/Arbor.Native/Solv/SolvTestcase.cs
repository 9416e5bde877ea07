// libsolv's testcase files (the `.t` format testsolv reads) driven from managed code: a file may
// hold several jobs separated by `nextjob`, so reading is a loop over one FILE* until end of
// file, each step yielding a configured solver, its job queue and the expected result block.
namespace Arbor.Native.Solv;

/// <summary>A testcase file open for reading.</summary>
public sealed unsafe class SolvTestcaseFile : IDisposable
{
    private nint _fp;

    private SolvTestcaseFile(string path, nint fp)
    {
        Path = path;
        _fp = fp;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>Opens <paramref name="path"/>.</summary>
    public static SolvTestcaseFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        nint fp = SolvNative.FOpen(path, "r");
        return fp == 0
            ? throw new FileNotFoundException($"{path}: {System.Runtime.InteropServices.Marshal.GetLastPInvokeErrorMessage()}", path)
            : new SolvTestcaseFile(path, fp);
    }

    /// <summary>True once every job of the file was read.</summary>
    public bool AtEnd => SolvNative.FEof(Live) != 0;

    private nint Live
    {
        get
        {
            ObjectDisposedException.ThrowIf(_fp == 0, this);
            return _fp;
        }
    }

    /// <summary>
    /// Reads the next job of the file into <paramref name="pool"/> (testcase_read). Returns null when
    /// the testcase is invalid; <paramref name="resultFlags"/> is then 77 for "skip this test".
    /// </summary>
    public SolvSolver? ReadNext(SolvPool pool, SolvQueue jobs, out string? expected, out int resultFlags)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(jobs);
        nint result = 0;
        int flags = 0;
        var solver = SolvNative.TestcaseRead(pool.Ptr, Live, Path, jobs.Ptr, &result, &flags);
        expected = SolvNative.TakeStr(result);
        resultFlags = flags;
        return solver == 0 ? null : new SolvSolver(pool, solver);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_fp != 0)
            SolvNative.FClose(_fp);
        _fp = 0;
    }
}
