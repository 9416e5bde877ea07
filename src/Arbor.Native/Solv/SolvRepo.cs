// A repository inside a SolvPool and the readers that fill it: rpm-md XML (through libsolvext's
// transparent gz/xz/zstd solv_xfopen), .solv caches (with a userdata key so a stale cache is never
// reused), the rpmdb of an install root, and single .rpm files. Each reader opens its own FILE*
// and closes it with libc fclose; failures raise SolvException with libsolv's error text.
using System.Runtime.InteropServices;

namespace Arbor.Native.Solv;

/// <summary>A libsolv <c>Repo*</c>; it lives as long as its pool.</summary>
public sealed unsafe class SolvRepo
{
    /// <summary>repo_add_* flags.</summary>
    public const int ReuseRepodata = 1, NoInternalize = 2, ExtendSolvables = 16, UseRootDir = 32;

    /// <summary>repo_add_rpm / repo_add_rpmdb flags.</summary>
    public const int RpmWithPkgId = 1 << 9, RpmWithSha256Sum = 1 << 13, RpmWithHdrId = 1 << 15;

    internal SolvRepo(SolvPool pool, nint ptr)
    {
        Pool = pool;
        Ptr = ptr;
    }

    /// <summary>The pool owning this repository.</summary>
    public SolvPool Pool { get; }

    internal nint Ptr { get; }

    /// <summary>The repository's name.</summary>
    public string Name => SolvNative.Str(*(nint*)(Ptr + PoolLayout.RepoName)) ?? "";

    /// <summary>First solvable Id of the repository.</summary>
    public int Start => *(int*)(Ptr + PoolLayout.RepoStart);

    /// <summary>One past the last solvable Id of the repository.</summary>
    public int End => *(int*)(Ptr + PoolLayout.RepoEnd);

    /// <summary>libsolv's priority: higher wins. (dnf's priority is the negation.)</summary>
    public int Priority
    {
        get => *(int*)(Ptr + PoolLayout.RepoPriority);
        set => *(int*)(Ptr + PoolLayout.RepoPriority) = value;
    }

    /// <summary>Removes the repository and its solvables from the pool.</summary>
    public void Free() => SolvNative.RepoFree(Ptr, 1);

    /// <summary>Reads repomd.xml (for its metadata records only).</summary>
    public void AddRepoMdXml(string path) => Read(path, fp => SolvNative.RepoAddRepoMdXml(Ptr, fp, 0), "repomd.xml");

    /// <summary>Reads a primary, filelists ("FL" language) or other rpm-md XML file, compressed or not.</summary>
    public void AddRpmMd(string path, string? language, int flags) =>
        Read(path, fp => SolvNative.RepoAddRpmMd(Ptr, fp, language, flags), "rpm-md");

    /// <summary>Reads primary-style rpm-md XML held in memory (used for start-up self-tests).</summary>
    public void AddRpmMd(ReadOnlySpan<byte> xml)
    {
        fixed (byte* b = xml)
        {
            nint fp = SolvNative.FMemOpen(b, (nuint)xml.Length, "r");
            if (fp == 0)
                throw new IOException($"fmemopen: {Marshal.GetLastPInvokeErrorMessage()}");
            try
            {
                if (SolvNative.RepoAddRpmMd(Ptr, fp, null, 0) != 0)
                    throw new SolvException($"rpm-md from memory: {Pool.ErrorString}");
            }
            finally
            {
                SolvNative.FClose(fp);
            }
        }
    }

    /// <summary>Reads an updateinfo.xml.</summary>
    public void AddUpdateInfo(string path, int flags) => Read(path, fp => SolvNative.RepoAddUpdateInfoXml(Ptr, fp, flags), "updateinfo");

    /// <summary>Loads the rpmdb found under the pool's root directory.</summary>
    public void AddRpmdb(int flags)
    {
        if (SolvNative.RepoAddRpmdbRefFp(Ptr, 0, flags) != 0)
            throw new SolvException($"reading the rpm database: {Pool.ErrorString}");
    }

    /// <summary>Adds one .rpm file; returns its solvable Id.</summary>
    public int AddRpm(string path, int flags)
    {
        int p = SolvNative.RepoAddRpm(Ptr, path, flags);
        return p != 0 ? p : throw new SolvException($"{path}: {Pool.ErrorString}");
    }

    /// <summary>Finishes adding data (needed after readers called with NoInternalize).</summary>
    public void Internalize() => SolvNative.RepoInternalize(Ptr);

    /// <summary>
    /// Loads a .solv file if its userdata equals <paramref name="key"/>; returns false (and loads
    /// nothing) when the file is missing, unreadable or written for another key.
    /// </summary>
    public bool TryAddSolv(string path, ReadOnlySpan<byte> key)
    {
        if (!File.Exists(path))
            return false;
        nint fp = SolvNative.FOpen(path, "r");
        if (fp == 0)
            return false;
        try
        {
            byte* data = null;
            int len = 0;
            if (SolvNative.SolvReadUserdata(fp, &data, &len) != 0)
                return false;
            bool match = new ReadOnlySpan<byte>(data, len).SequenceEqual(key);
            SolvNative.SolvFree((nint)data);
            if (!match)
                return false;
            SolvNative.Rewind(fp);
            return SolvNative.RepoAddSolv(Ptr, fp, 0) == 0;
        }
        finally
        {
            SolvNative.FClose(fp);
        }
    }

    /// <summary>Writes the repository as a .solv file carrying <paramref name="key"/>: temp name, then rename.</summary>
    public void WriteSolv(string path, ReadOnlySpan<byte> key)
    {
        var tmp = path + ".tmp-" + Environment.ProcessId;
        nint fp = SolvNative.FOpen(tmp, "w");
        if (fp == 0)
            throw new IOException($"{tmp}: cannot create ({Marshal.GetLastPInvokeErrorMessage()})");
        int rc = -1;
        var writer = SolvNative.RepoWriterCreate(Ptr);
        try
        {
            fixed (byte* k = key)
                SolvNative.RepoWriterSetUserdata(writer, k, key.Length);
            rc = SolvNative.RepoWriterWrite(writer, fp);
        }
        finally
        {
            SolvNative.RepoWriterFree(writer);
            if (SolvNative.FClose(fp) != 0)
                rc = -1;
        }
        if (rc != 0)
        {
            File.Delete(tmp);
            throw new IOException($"{path}: writing the solv cache failed: {Pool.ErrorString}");
        }
        File.Move(tmp, path, overwrite: true);
    }

    private void Read(string path, Func<nint, int> add, string what)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: no such {what} file", path);
        nint fp = SolvNative.XfOpen(path, "r");
        if (fp == 0)
            throw new IOException($"{path}: cannot open");
        try
        {
            if (add(fp) != 0)
                throw new SolvException($"{path}: {Pool.ErrorString}");
        }
        finally
        {
            SolvNative.FClose(fp);
        }
    }
}
