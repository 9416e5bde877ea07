// A libsolv Pool: the universe of solvables (packages), their repositories and the string/Id
// tables. Arbor.Rpm's SolverPool builds on this for rpm-md repositories and rpmdbs; the testcase
// runner uses a bare pool that libsolv's testcase reader configures itself. Ownership: the pool
// owns its repos; a SolvSolver keeps its pool alive through the SafeHandle's reference count.
using System.Runtime.InteropServices;

namespace Arbor.Native.Solv;

/// <summary>Owns a libsolv <c>Pool*</c>; frees the excludes map Arbor or a testcase installed.</summary>
public sealed class SolvPoolHandle : SafeHandle
{
    internal SolvPoolHandle(nint pool) : base(0, ownsHandle: true) => SetHandle(pool);

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <inheritdoc/>
    protected override unsafe bool ReleaseHandle()
    {
        SolvPool.FreeConsidered(handle);
        SolvNative.PoolFree(handle);
        return true;
    }
}

/// <summary>Raised when libsolv refuses an operation; the message carries libsolv's own error text.</summary>
public sealed class SolvException(string message) : InvalidOperationException(message);

/// <summary>Where libsolv's debug and result output goes (see <see cref="SolvPool.RedirectOutput"/>).</summary>
public interface ISolvOutput
{
    /// <summary>Receives a chunk of normal output (results, transaction and problem listings).</summary>
    void Out(string text);

    /// <summary>Receives a chunk of error output.</summary>
    void Error(string text);
}

/// <summary>A libsolv pool.</summary>
public sealed unsafe class SolvPool : IDisposable
{
    /// <summary>libsolv's rpm distribution type (versions compared like rpm, noarch packages).</summary>
    public const int DistTypeRpm = 0;

    /// <summary>libsolv's Debian distribution type, the default of Debian's build.</summary>
    public const int DistTypeDeb = 1;

    /// <summary>Bits of the debug mask: errors, and results printed by solver_printproblem and friends.</summary>
    public const int DebugError = 1 << 1, DebugResult = 1 << 10;

    private GCHandle _output;

    private SolvPool(nint pool) => Handle = new SolvPoolHandle(pool);

    /// <summary>The owning handle.</summary>
    public SolvPoolHandle Handle { get; }

    internal nint Ptr
    {
        get
        {
            ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
            return Handle.DangerousGetHandle();
        }
    }

    /// <summary>Creates a pool exactly as pool_create leaves it (the build's default distribution type).</summary>
    public static SolvPool Create()
    {
        nint p;
        try
        {
            p = SolvNative.PoolCreate();
        }
        catch (DllNotFoundException e)
        {
            throw new SolvException($"libsolv.so.1 is not installed (apt-get install libsolv1 libsolvext1): {e.Message}");
        }
        if (p == 0)
            throw new SolvException("pool_create failed");
        return new SolvPool(p);
    }

    /// <summary>The distribution type in effect (0 rpm, 1 deb).</summary>
    public int DistType => *(int*)(Ptr + PoolLayout.PoolDisttype);

    /// <summary>Sets the distribution type; returns the previous one, or throws when the build cannot switch.</summary>
    public int SetDistType(int type)
    {
        int old = SolvNative.PoolSetDisttype(Ptr, type);
        if (old == -1)
            throw new SolvException($"this libsolv build cannot switch to distribution type {type} (built without MULTI_SEMANTICS)");
        return old;
    }

    /// <summary>Sets the system architecture (and with it the architecture policy).</summary>
    public void SetArch(string arch) => SolvNative.PoolSetArch(Ptr, arch);

    /// <summary>Sets an explicit architecture policy string such as "x86_64:i686:noarch".</summary>
    public void SetArchPolicy(string policy) => SolvNative.PoolSetArchPolicy(Ptr, policy);

    /// <summary>Sets a POOL_FLAG_*; returns the old value.</summary>
    public int SetFlag(int flag, int value) => SolvNative.PoolSetFlag(Ptr, flag, value);

    /// <summary>The root prepended to paths libsolv opens for the installed database.</summary>
    public void SetRootDir(string? root) => SolvNative.PoolSetRootdir(Ptr, root);

    /// <summary>Compares two EVR strings under the pool's distribution type (-1, 0, 1).</summary>
    public int EvrCompare(string a, string b) => SolvNative.PoolEvrCmpStr(Ptr, a, b, 0);

    /// <summary>Creates an empty repository in the pool.</summary>
    public SolvRepo CreateRepo(string name)
    {
        var r = SolvNative.RepoCreate(Ptr, name);
        return r == 0 ? throw new SolvException($"repo_create {name} failed") : new SolvRepo(this, r);
    }

    /// <summary>Marks <paramref name="repo"/> as the installed system.</summary>
    public void SetInstalled(SolvRepo repo) => SolvNative.PoolSetInstalled(Ptr, repo.Ptr);

    /// <summary>Adds file provides and builds the whatprovides index; call after every repo is loaded.</summary>
    public void Prepare()
    {
        SolvNative.PoolAddFileProvides(Ptr);
        SolvNative.PoolCreateWhatProvides(Ptr);
    }

    /// <summary>The Id of <paramref name="s"/>, or 0 when unknown and <paramref name="create"/> is false.</summary>
    public int StrToId(string s, bool create = false) => SolvNative.PoolStr2Id(Ptr, s, create ? 1 : 0);

    /// <summary>The string of an Id.</summary>
    public string IdToStr(int id) => SolvNative.Str(SolvNative.PoolId2Str(Ptr, id)) ?? "";

    /// <summary>A dependency Id rendered the way libsolv prints it ("foo >= 1.0", rich deps in parentheses).</summary>
    public string DepToStr(int id) => SolvNative.Str(SolvNative.PoolDep2Str(Ptr, id)) ?? "";

    /// <summary>A string attribute of a solvable (name, evr, arch, summary, ...).</summary>
    public string? LookupStr(int solvable, int key) => SolvNative.Str(SolvNative.PoolLookupStr(Ptr, solvable, key));

    /// <summary>A numeric attribute of a solvable.</summary>
    public ulong LookupNum(int solvable, int key, ulong notFound = 0) => SolvNative.PoolLookupNum(Ptr, solvable, key, notFound);

    /// <summary>A checksum attribute as (type name, hex), or null.</summary>
    public (string Type, string Hex)? LookupChecksum(int solvable, int key)
    {
        int type = 0;
        var hex = SolvNative.Str(SolvNative.PoolLookupChecksum(Ptr, solvable, key, &type));
        return hex is null ? null : (SolvNative.Str(SolvNative.ChecksumType2Str(type)) ?? "unknown", hex);
    }

    /// <summary>Number of solvable slots (Ids 0 and 1 are reserved).</summary>
    public int SolvableCount => *(int*)(Ptr + PoolLayout.PoolNSolvables);

    private nint SolvablePtr(int p)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(p);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(p, SolvableCount);
        return *(nint*)(Ptr + PoolLayout.PoolSolvables) + (nint)p * PoolLayout.SolvableSize;
    }

    /// <summary>"name-evr.arch" of a solvable.</summary>
    public string SolvableToString(int p) => SolvNative.Str(SolvNative.PoolSolvable2Str(Ptr, SolvablePtr(p))) ?? "";

    /// <summary>The testcase spelling "name-evr.arch@repo".</summary>
    public string SolvableToTestcaseString(int p) => SolvNative.Str(SolvNative.TestcaseSolvid2Str(Ptr, p)) ?? "";

    /// <summary>The package's location relative to its repository (rpm-md location href).</summary>
    public string? Location(int p)
    {
        uint medianr = 0;
        return SolvNative.Str(SolvNative.SolvableGetLocation(SolvablePtr(p), &medianr));
    }

    /// <summary>The name of the repository holding solvable <paramref name="p"/>.</summary>
    public string RepoNameOf(int p)
    {
        var repo = *(nint*)(SolvablePtr(p) + PoolLayout.SolvableRepo);
        return repo == 0 ? "" : SolvNative.Str(*(nint*)(repo + PoolLayout.RepoName)) ?? "";
    }

    /// <summary>True when solvable <paramref name="p"/> belongs to the installed repository.</summary>
    public bool IsInstalled(int p)
    {
        var installed = *(nint*)(Ptr + PoolLayout.PoolInstalled);
        return installed != 0 && *(nint*)(SolvablePtr(p) + PoolLayout.SolvableRepo) == installed;
    }

    /// <summary>Runs selection_make; returns the selection flags matched (0 = nothing).</summary>
    public int Select(string pattern, int flags, SolvQueue selection) => SolvNative.SelectionMake(Ptr, selection.Ptr, pattern, flags);

    /// <summary>The solvables a selection covers.</summary>
    public int[] SelectionSolvables(SolvQueue selection)
    {
        using var q = new SolvQueue();
        SolvNative.SelectionSolvables(Ptr, selection.Ptr, q.Ptr);
        return q.ToArray();
    }

    /// <summary>The solvables whose dependency list <paramref name="key"/> (e.g. solvable:obsoletes) matches solvable <paramref name="p"/>.</summary>
    public int[] WhatMatchesSolvable(int key, int p)
    {
        using var q = new SolvQueue();
        SolvNative.PoolWhatMatchesSolvable(Ptr, key, p, q.Ptr, -1);
        return q.ToArray();
    }

    /// <summary>An Id standing for a set of solvables, for SOLVER_SOLVABLE_ONE_OF jobs.</summary>
    public int OneOf(IEnumerable<int> solvables)
    {
        ArgumentNullException.ThrowIfNull(solvables);
        using var q = new SolvQueue();
        foreach (int p in solvables)
            q.Push(p);
        return SolvNative.PoolQueueToWhatProvides(Ptr, q.Ptr);
    }

    /// <summary>
    /// Hides solvables from the solver (libdnf's excludes): only solvables outside
    /// <paramref name="excluded"/> stay considered.
    /// </summary>
    public void Exclude(IEnumerable<int> excluded)
    {
        ArgumentNullException.ThrowIfNull(excluded);
        var pool = Ptr;
        var slot = (nint*)(pool + PoolLayout.PoolConsidered);
        if (*slot == 0)
        {
            var map = SolvNative.SolvCalloc(1, PoolLayout.MapSize);
            SolvNative.MapInit(map, SolvableCount);
            byte* bits = *(byte**)map;
            int size = *(int*)(map + 8);
            new Span<byte>(bits, size).Fill(0xff);
            *slot = map;
        }
        byte* m = **(byte***)slot;
        foreach (int p in excluded)
        {
            if (p > 0 && p < SolvableCount)
                m[p >> 3] &= (byte)~(1 << (p & 7));
        }
    }

    internal static void FreeConsidered(nint pool)
    {
        var slot = (nint*)(pool + PoolLayout.PoolConsidered);
        if (*slot != 0)
        {
            SolvNative.MapFree(*slot);
            SolvNative.SolvFree(*slot);
            *slot = 0;
        }
    }

    /// <summary>Frees the excludes map a testcase's "disable" lines left (testsolv does so between files).</summary>
    public void ResetExcludes() => FreeConsidered(Ptr);

    /// <summary>libsolv's last error message.</summary>
    public string ErrorString => SolvNative.Str(SolvNative.PoolErrStr(Ptr)) ?? "unknown libsolv error";

    /// <summary>
    /// Sends libsolv's printed output (debug mask <paramref name="mask"/>) to <paramref name="output"/>
    /// instead of the C stdio streams, whose buffers .NET's console does not share.
    /// </summary>
    public void RedirectOutput(ISolvOutput output, int mask)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_output.IsAllocated)
            _output.Free();
        _output = GCHandle.Alloc(output);
        SolvNative.PoolSetDebugCallback(Ptr, &DebugCallback, GCHandle.ToIntPtr(_output));
        SolvNative.PoolSetDebugMask(Ptr, mask);
    }

    [UnmanagedCallersOnly]
    private static void DebugCallback(nint pool, nint data, int type, nint str)
    {
        if (GCHandle.FromIntPtr(data).Target is not ISolvOutput output)
            return;
        var text = SolvNative.Str(str) ?? "";
        if ((type & 3) != 0)
            output.Error(text);
        else
            output.Out(text);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Handle.Dispose();
        if (_output.IsAllocated)
            _output.Free();
    }
}
