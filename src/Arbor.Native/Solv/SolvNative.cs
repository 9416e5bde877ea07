// The C entry points of libsolv.so.1 and libsolvext.so.1 (Debian 12: 0.7.23) that Arbor's solver
// uses, plus the libc stdio calls needed for the FILE* handles libsolv reads and writes. Nothing
// here holds state: SolvPool, SolvSolver and SolvQueue wrap these calls with ownership, and the
// few struct fields libsolv exposes only through macros are read at the offsets measured for the
// x86_64 0.7.23 build (see PoolLayout).
using System.Runtime.InteropServices;

namespace Arbor.Native.Solv;

internal static unsafe partial class SolvNative
{
    private const string Lib = "libsolv.so.1";
    private const string Ext = "libsolvext.so.1";
    private const string LibC = "libc";

    // --- pool ---
    [LibraryImport(Lib, EntryPoint = "pool_create")] internal static partial nint PoolCreate();
    [LibraryImport(Lib, EntryPoint = "pool_free")] internal static partial void PoolFree(nint pool);
    [LibraryImport(Lib, EntryPoint = "pool_setdisttype")] internal static partial int PoolSetDisttype(nint pool, int disttype);
    [LibraryImport(Lib, EntryPoint = "pool_setarch", StringMarshalling = StringMarshalling.Utf8)] internal static partial void PoolSetArch(nint pool, string arch);
    [LibraryImport(Lib, EntryPoint = "pool_setarchpolicy", StringMarshalling = StringMarshalling.Utf8)] internal static partial void PoolSetArchPolicy(nint pool, string policy);
    [LibraryImport(Lib, EntryPoint = "pool_set_flag")] internal static partial int PoolSetFlag(nint pool, int flag, int value);
    [LibraryImport(Lib, EntryPoint = "pool_set_rootdir", StringMarshalling = StringMarshalling.Utf8)] internal static partial void PoolSetRootdir(nint pool, string? rootdir);
    [LibraryImport(Lib, EntryPoint = "pool_set_installed")] internal static partial void PoolSetInstalled(nint pool, nint repo);
    [LibraryImport(Lib, EntryPoint = "pool_addfileprovides")] internal static partial void PoolAddFileProvides(nint pool);
    [LibraryImport(Lib, EntryPoint = "pool_createwhatprovides")] internal static partial void PoolCreateWhatProvides(nint pool);
    [LibraryImport(Lib, EntryPoint = "pool_str2id", StringMarshalling = StringMarshalling.Utf8)] internal static partial int PoolStr2Id(nint pool, string str, int create);
    [LibraryImport(Lib, EntryPoint = "pool_id2str")] internal static partial nint PoolId2Str(nint pool, int id);
    [LibraryImport(Lib, EntryPoint = "pool_dep2str")] internal static partial nint PoolDep2Str(nint pool, int id);
    [LibraryImport(Lib, EntryPoint = "pool_evrcmp_str", StringMarshalling = StringMarshalling.Utf8)] internal static partial int PoolEvrCmpStr(nint pool, string a, string b, int mode);
    [LibraryImport(Lib, EntryPoint = "pool_lookup_str")] internal static partial nint PoolLookupStr(nint pool, int solvid, int key);
    [LibraryImport(Lib, EntryPoint = "pool_lookup_id")] internal static partial int PoolLookupId(nint pool, int solvid, int key);
    [LibraryImport(Lib, EntryPoint = "pool_lookup_num")] internal static partial ulong PoolLookupNum(nint pool, int solvid, int key, ulong notfound);
    [LibraryImport(Lib, EntryPoint = "pool_lookup_checksum")] internal static partial nint PoolLookupChecksum(nint pool, int solvid, int key, int* type);
    [LibraryImport(Lib, EntryPoint = "pool_solvable2str")] internal static partial nint PoolSolvable2Str(nint pool, nint solvable);
    [LibraryImport(Lib, EntryPoint = "pool_errstr")] internal static partial nint PoolErrStr(nint pool);
    [LibraryImport(Lib, EntryPoint = "pool_setdebugmask")] internal static partial void PoolSetDebugMask(nint pool, int mask);
    [LibraryImport(Lib, EntryPoint = "pool_setdebugcallback")] internal static partial void PoolSetDebugCallback(nint pool, delegate* unmanaged<nint, nint, int, nint, void> cb, nint data);
    [LibraryImport(Lib, EntryPoint = "pool_whatmatchessolvable")] internal static partial void PoolWhatMatchesSolvable(nint pool, int keyname, int solvid, SolvQueue.Raw* q, int marker);
    [LibraryImport(Lib, EntryPoint = "pool_queuetowhatprovides")] internal static partial int PoolQueueToWhatProvides(nint pool, SolvQueue.Raw* q);
    [LibraryImport(Lib, EntryPoint = "solvable_get_location")] internal static partial nint SolvableGetLocation(nint solvable, uint* medianr);
    [LibraryImport(Lib, EntryPoint = "solv_chksum_type2str")] internal static partial nint ChecksumType2Str(int type);
    [LibraryImport(Lib, EntryPoint = "solv_free")] internal static partial nint SolvFree(nint p);
    [LibraryImport(Lib, EntryPoint = "solv_calloc")] internal static partial nint SolvCalloc(nuint n, nuint size);

    // --- repo ---
    [LibraryImport(Lib, EntryPoint = "repo_create", StringMarshalling = StringMarshalling.Utf8)] internal static partial nint RepoCreate(nint pool, string name);
    [LibraryImport(Lib, EntryPoint = "repo_free")] internal static partial void RepoFree(nint repo, int reusesolvables);
    [LibraryImport(Lib, EntryPoint = "repo_add_solv")] internal static partial int RepoAddSolv(nint repo, nint fp, int flags);
    [LibraryImport(Lib, EntryPoint = "repo_internalize")] internal static partial void RepoInternalize(nint repo);
    [LibraryImport(Lib, EntryPoint = "repowriter_create")] internal static partial nint RepoWriterCreate(nint repo);
    [LibraryImport(Lib, EntryPoint = "repowriter_free")] internal static partial nint RepoWriterFree(nint writer);
    [LibraryImport(Lib, EntryPoint = "repowriter_set_userdata")] internal static partial void RepoWriterSetUserdata(nint writer, byte* data, int len);
    [LibraryImport(Lib, EntryPoint = "repowriter_write")] internal static partial int RepoWriterWrite(nint writer, nint fp);
    [LibraryImport(Lib, EntryPoint = "solv_read_userdata")] internal static partial int SolvReadUserdata(nint fp, byte** data, int* len);

    // --- selection, solver, transaction ---
    [LibraryImport(Lib, EntryPoint = "selection_make", StringMarshalling = StringMarshalling.Utf8)] internal static partial int SelectionMake(nint pool, SolvQueue.Raw* selection, string name, int flags);
    [LibraryImport(Lib, EntryPoint = "selection_solvables")] internal static partial void SelectionSolvables(nint pool, SolvQueue.Raw* selection, SolvQueue.Raw* pkgs);
    [LibraryImport(Lib, EntryPoint = "solver_create")] internal static partial nint SolverCreate(nint pool);
    [LibraryImport(Lib, EntryPoint = "solver_free")] internal static partial void SolverFree(nint solver);
    [LibraryImport(Lib, EntryPoint = "solver_set_flag")] internal static partial int SolverSetFlag(nint solver, int flag, int value);
    [LibraryImport(Lib, EntryPoint = "solver_solve")] internal static partial int SolverSolve(nint solver, SolvQueue.Raw* job);
    [LibraryImport(Lib, EntryPoint = "solver_problem_count")] internal static partial int SolverProblemCount(nint solver);
    [LibraryImport(Lib, EntryPoint = "solver_findallproblemrules")] internal static partial void SolverFindAllProblemRules(nint solver, int problem, SolvQueue.Raw* rules);
    [LibraryImport(Lib, EntryPoint = "solver_ruleinfo")] internal static partial int SolverRuleInfo(nint solver, int rule, int* from, int* to, int* dep);
    [LibraryImport(Lib, EntryPoint = "solver_problemruleinfo2str")] internal static partial nint SolverProblemRuleInfo2Str(nint solver, int type, int source, int target, int dep);
    [LibraryImport(Lib, EntryPoint = "solver_problem2str")] internal static partial nint SolverProblem2Str(nint solver, int problem);
    [LibraryImport(Lib, EntryPoint = "solver_solution_count")] internal static partial int SolverSolutionCount(nint solver, int problem);
    [LibraryImport(Lib, EntryPoint = "solver_next_solutionelement")] internal static partial int SolverNextSolutionElement(nint solver, int problem, int solution, int element, int* p, int* rp);
    [LibraryImport(Lib, EntryPoint = "solver_solutionelement2str")] internal static partial nint SolverSolutionElement2Str(nint solver, int p, int rp);
    [LibraryImport(Lib, EntryPoint = "solver_create_transaction")] internal static partial nint SolverCreateTransaction(nint solver);
    [LibraryImport(Lib, EntryPoint = "transaction_type")] internal static partial int TransactionType(nint trans, int p, int mode);
    [LibraryImport(Lib, EntryPoint = "transaction_order")] internal static partial void TransactionOrder(nint trans, int flags);
    [LibraryImport(Lib, EntryPoint = "transaction_obs_pkg")] internal static partial int TransactionObsPkg(nint trans, int p);
    [LibraryImport(Lib, EntryPoint = "solver_printprobleminfo")] internal static partial void SolverPrintProblemInfo(nint solver, int problem);
    [LibraryImport(Lib, EntryPoint = "solver_printsolution")] internal static partial void SolverPrintSolution(nint solver, int problem, int solution);
    [LibraryImport(Lib, EntryPoint = "transaction_print")] internal static partial void TransactionPrint(nint trans);
    [LibraryImport(Lib, EntryPoint = "transaction_free")] internal static partial void TransactionFree(nint trans);

    // --- queue and map ---
    [LibraryImport(Lib, EntryPoint = "queue_init")] internal static partial void QueueInit(SolvQueue.Raw* q);
    [LibraryImport(Lib, EntryPoint = "queue_free")] internal static partial void QueueFree(SolvQueue.Raw* q);
    [LibraryImport(Lib, EntryPoint = "queue_insert")] internal static partial void QueueInsert(SolvQueue.Raw* q, int pos, int id);
    [LibraryImport(Lib, EntryPoint = "map_init")] internal static partial void MapInit(nint map, int n);
    [LibraryImport(Lib, EntryPoint = "map_free")] internal static partial void MapFree(nint map);

    // --- libsolvext: readers and test cases ---
    [LibraryImport(Ext, EntryPoint = "solv_xfopen", StringMarshalling = StringMarshalling.Utf8)] internal static partial nint XfOpen(string path, string mode);
    [LibraryImport(Ext, EntryPoint = "repo_add_repomdxml")] internal static partial int RepoAddRepoMdXml(nint repo, nint fp, int flags);
    [LibraryImport(Ext, EntryPoint = "repo_add_rpmmd", StringMarshalling = StringMarshalling.Utf8)] internal static partial int RepoAddRpmMd(nint repo, nint fp, string? language, int flags);
    [LibraryImport(Ext, EntryPoint = "repo_add_updateinfoxml")] internal static partial int RepoAddUpdateInfoXml(nint repo, nint fp, int flags);
    [LibraryImport(Ext, EntryPoint = "repo_add_rpmdb_reffp")] internal static partial int RepoAddRpmdbRefFp(nint repo, nint reffp, int flags);
    [LibraryImport(Ext, EntryPoint = "repo_add_rpm", StringMarshalling = StringMarshalling.Utf8)] internal static partial int RepoAddRpm(nint repo, string path, int flags);
    [LibraryImport(Ext, EntryPoint = "testcase_read", StringMarshalling = StringMarshalling.Utf8)] internal static partial nint TestcaseRead(nint pool, nint fp, string name, SolvQueue.Raw* job, nint* result, int* resultflags);
    [LibraryImport(Ext, EntryPoint = "testcase_solverresult")] internal static partial nint TestcaseSolverResult(nint solver, int flags);
    [LibraryImport(Ext, EntryPoint = "testcase_resultdiff")] internal static partial nint TestcaseResultDiff(nint expected, nint actual);
    [LibraryImport(Ext, EntryPoint = "testcase_write", StringMarshalling = StringMarshalling.Utf8)] internal static partial int TestcaseWrite(nint solver, string dir, int resultflags, string? testcasename, string? resultname);
    [LibraryImport(Ext, EntryPoint = "testcase_solvid2str")] internal static partial nint TestcaseSolvid2Str(nint pool, int p);

    // --- libc stdio for the FILE* handles above ---
    [LibraryImport(LibC, EntryPoint = "fopen", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)] internal static partial nint FOpen(string path, string mode);
    [LibraryImport(LibC, EntryPoint = "fmemopen", SetLastError = true)] internal static partial nint FMemOpen(byte* buf, nuint size, [MarshalAs(UnmanagedType.LPUTF8Str)] string mode);
    [LibraryImport(LibC, EntryPoint = "fclose")] internal static partial int FClose(nint fp);
    [LibraryImport(LibC, EntryPoint = "feof")] internal static partial int FEof(nint fp);
    [LibraryImport(LibC, EntryPoint = "rewind")] internal static partial void Rewind(nint fp);
    [LibraryImport(LibC, EntryPoint = "fflush")] internal static partial int FFlush(nint fp);

    internal static string? Str(nint p) => p == 0 ? null : Marshal.PtrToStringUTF8(p);

    /// <summary>Copies a malloc'ed C string and frees it with solv_free.</summary>
    internal static string? TakeStr(nint p)
    {
        if (p == 0)
            return null;
        var s = Marshal.PtrToStringUTF8(p);
        SolvFree(p);
        return s;
    }
}

/// <summary>
/// Field offsets of libsolv 0.7.23's public structs on x86_64 (from the installed headers'
/// layout); only the fields that libsolv exposes through macros or direct access.
/// </summary>
internal static class PoolLayout
{
    internal const int PoolInstalled = 88, PoolSolvables = 96, PoolNSolvables = 104, PoolDisttype = 124, PoolConsidered = 224;
    internal const int SolvableSize = 56, SolvableRepo = 16;
    internal const int RepoName = 0, RepoStart = 32, RepoEnd = 36, RepoPriority = 48, RepoSubpriority = 52;
    internal const int TransactionSteps = 8;
    internal const int MapSize = 16;
}
