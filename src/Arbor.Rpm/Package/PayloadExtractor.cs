// Unpacks a package's payload into a directory, like `rpm2cpio | cpio -idm` but safe against
// hostile archives: every name must be "./relative" with no "." or ".." components, no entry may
// be written through a symlink or over a directory, and nothing is created outside the target.
// Entries flow cpio -> name check -> parent directories -> file/dir/symlink/hardlink into a
// staging directory next to the target, then the payload digests are checked once the archive
// ends; only then does the staging directory become the target (or, when the target exists, its
// entries move into it). A damaged or hostile package leaves nothing behind.
using Arbor.Native;
using Arbor.Rpm.Header;

namespace Arbor.Rpm.Package;

/// <summary>Extracts payloads.</summary>
public static class PayloadExtractor
{
    /// <summary>
    /// Extracts <paramref name="pkg"/>'s payload under <paramref name="target"/>; returns the package paths written.
    /// Nothing appears under <paramref name="target"/> unless the whole payload was read and its digests match.
    /// </summary>
    public static IReadOnlyList<string> Extract(RpmPackage pkg, string target, bool setOwners = false)
    {
        ArgumentNullException.ThrowIfNull(pkg);
        target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
        bool exists = LibC.TryLStat(target, out var ts, out _);
        if (exists && !ts.IsDirectory)
            throw new IOException($"extract: '{target}' exists and is not a directory");
        var parent = Path.GetDirectoryName(target) ?? target;
        Directory.CreateDirectory(parent);
        var staging = Path.Join(parent, $".{Path.GetFileName(target)}.extract-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(staging);
        try
        {
            var dirs = new HashSet<string>(StringComparer.Ordinal);
            var written = ExtractInto(pkg, staging, setOwners, dirs);
            if (exists)
            {
                CheckMerge(staging, target, "", Path.GetFileName(staging));
                Merge(staging, target, "", dirs, setOwners, Path.GetFileName(staging));
                RemoveTree(staging);
            }
            else
            {
                LibC.Rename(staging, target, LibC.RENAME_NOREPLACE);
            }
            return written;
        }
        catch
        {
            RemoveTree(staging);
            throw;
        }
    }

    private static List<string> ExtractInto(RpmPackage pkg, string target, bool setOwners, HashSet<string> dirs)
    {
        var files = pkg.Info.Files;
        var byPath = new Dictionary<string, RpmFile>(StringComparer.Ordinal);
        foreach (var f in files)
            byPath.TryAdd(f.Path, f);
        var written = new List<string>();
        var pendingLinks = new Dictionary<uint, List<string>>();
        using var payload = pkg.OpenPayload();
        var buf = new byte[128 * 1024];
        while (payload.Cpio.Next() is { } e)
        {
            string pkgPath;
            uint mode;
            long mtime;
            RpmFile? meta;
            if (e.FileIndex >= 0)
            {
                meta = files[e.FileIndex];
                pkgPath = meta.Path;
                mode = meta.Mode;
                mtime = meta.MTime;
            }
            else
            {
                pkgPath = CheckName(e.Name);
                meta = byPath.GetValueOrDefault(pkgPath);
                mode = e.Mode;
                mtime = e.MTime;
            }
            string rel = CheckName("." + pkgPath)[1..];
            string dest = Path.Join(target, rel);
            EnsureParents(target, rel);
            switch (mode & UnixMode.S_IFMT)
            {
                case UnixMode.S_IFDIR:
                    if (LibC.TryLStat(dest, out var ds, out _))
                    {
                        if (!ds.IsDirectory)
                            throw new RpmFormatException($"payload: '{pkgPath}' is a directory in the package but exists as a {UnixMode.Describe(ds.Mode)}");
                    }
                    else
                    {
                        Directory.CreateDirectory(dest);
                    }
                    File.SetUnixFileMode(dest, (UnixFileMode)(mode & 0xFFF));
                    dirs.Add(rel);
                    break;
                case UnixMode.S_IFLNK:
                    string linkTo;
                    if (e.FileIndex >= 0)
                    {
                        linkTo = meta!.LinkTo;
                    }
                    else
                    {
                        var ms = new MemoryStream();
                        payload.Cpio.CopyDataTo(ms);
                        linkTo = System.Text.Encoding.UTF8.GetString(ms.ToArray());
                    }
                    RemoveNonDirectory(dest, pkgPath);
                    File.CreateSymbolicLink(dest, linkTo);
                    break;
                case UnixMode.S_IFREG:
                    RemoveNonDirectory(dest, pkgPath);
                    // newc hard links: the data comes with the last link; earlier ones are empty.
                    if (e.FileIndex < 0 && e.NLink > 1 && e.Size == 0)
                    {
                        if (!pendingLinks.TryGetValue(e.Ino, out var list))
                            pendingLinks[e.Ino] = list = [];
                        list.Add(dest);
                        written.Add(pkgPath);
                        continue;
                    }
                    using (var fs = new FileStream(dest, FileMode.CreateNew, FileAccess.Write))
                    {
                        int n;
                        while ((n = payload.Cpio.ReadData(buf)) > 0)
                            fs.Write(buf, 0, n);
                    }
                    File.SetUnixFileMode(dest, (UnixFileMode)(mode & 0xFFF));
                    if (e.FileIndex < 0 && e.NLink > 1 && pendingLinks.Remove(e.Ino, out var links))
                    {
                        foreach (var l in links)
                            LibC.Link(dest, l);
                    }
                    break;
                case UnixMode.S_IFCHR or UnixMode.S_IFBLK or UnixMode.S_IFIFO or UnixMode.S_IFSOCK:
                    RemoveNonDirectory(dest, pkgPath);
                    uint rdev = meta?.Rdev ?? ((e.RdevMajor << 8) | e.RdevMinor);
                    LibC.Mknod(dest, mode, e.FileIndex >= 0 ? (rdev >> 8) & 0xFFF : e.RdevMajor, e.FileIndex >= 0 ? rdev & 0xFF : e.RdevMinor);
                    break;
                default:
                    throw new RpmFormatException($"payload: '{pkgPath}' has unknown file mode {Convert.ToString(mode, 8)}");
            }
            if (setOwners)
                LibC.LChown(dest, e.Uid, e.Gid);
            LibC.LUtimes(dest, mtime);
            written.Add(pkgPath);
        }
        // Hard-link groups whose data never came: empty files.
        foreach (var group in pendingLinks.Values)
        {
            File.WriteAllBytes(group[0], []);
            foreach (var l in group.Skip(1))
                LibC.Link(group[0], l);
        }
        payload.Finish();
        return written;
    }

    /// <summary>Refuses, before anything moves, a merge that would replace a directory or write through a non-directory.</summary>
    private static void CheckMerge(string from, string to, string rel, string skip)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(from))
        {
            var name = Path.GetFileName(entry);
            if (rel.Length == 0 && name == skip)
                continue;
            var r = rel.Length == 0 ? name : rel + "/" + name;
            var d = Path.Join(to, name);
            if (!LibC.TryLStat(d, out var ds, out _))
                continue;
            bool stagedDir = LibC.LStat(entry).IsDirectory;
            if (stagedDir && ds.IsDirectory)
                CheckMerge(entry, d, r, skip);
            else if (ds.IsDirectory)
                throw new RpmFormatException($"payload: '/{r}' would replace a directory");
            else if (stagedDir)
                throw new RpmFormatException($"payload: '/{r}' is a directory in the package but exists as a {UnixMode.Describe(ds.Mode)}");
        }
    }

    /// <summary>Moves the staged entries into an existing target; directories the package lists get its mode, owner and mtime.</summary>
    private static void Merge(string from, string to, string rel, HashSet<string> dirs, bool setOwners, string skip)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(from).ToList())
        {
            var name = Path.GetFileName(entry);
            if (rel.Length == 0 && name == skip)
                continue;
            var r = rel.Length == 0 ? name : rel + "/" + name;
            var d = Path.Join(to, name);
            var st = LibC.LStat(entry);
            if (!st.IsDirectory || !LibC.TryLStat(d, out _, out _))
            {
                LibC.Rename(entry, d, 0);
                continue;
            }
            Merge(entry, d, r, dirs, setOwners, skip);
            if (dirs.Contains(r))
            {
                File.SetUnixFileMode(d, (UnixFileMode)(st.Mode & 0xFFF));
                if (setOwners)
                    LibC.LChown(d, st.Uid, st.Gid);
                LibC.LUtimes(d, new DateTimeOffset(File.GetLastWriteTimeUtc(entry)).ToUnixTimeSeconds());
            }
        }
    }

    /// <summary>Removes a staging tree, making its directories writable first (packages may ship read-only ones).</summary>
    private static void RemoveTree(string path)
    {
        if (!LibC.TryLStat(path, out _, out _))
            return;
        // Symlinks are neither returned nor followed: a package may link anywhere.
        var realDirs = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint };
        foreach (var d in Directory.EnumerateDirectories(path, "*", realDirs).Prepend(path))
            File.SetUnixFileMode(d, (UnixFileMode)0x1C0);
        Directory.Delete(path, recursive: true);
    }

    /// <summary>Turns a cpio name into a package path ("/usr/bin/x"), rejecting anything that could escape.</summary>
    public static string CheckName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.StartsWith('/'))
            throw new RpmFormatException($"payload: absolute path '{name}' would escape the target directory");
        if (!name.StartsWith("./", StringComparison.Ordinal))
            name = "./" + name;
        var parts = name[2..].Split('/');
        foreach (var p in parts)
        {
            if (p is ".." or "." || p.Length == 0)
                throw new RpmFormatException($"payload: path '{name}' has a '{p}' component that would escape the target directory");
            if (p.Contains('\0', StringComparison.Ordinal))
                throw new RpmFormatException($"payload: path '{name}' contains NUL");
        }
        return "/" + name[2..];
    }

    private static void EnsureParents(string target, string rel)
    {
        var parts = rel.Split('/');
        string cur = target;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            cur = Path.Join(cur, parts[i]);
            if (LibC.TryLStat(cur, out var st, out _))
            {
                if (!st.IsDirectory)
                    throw new RpmFormatException($"payload: '{rel}' would be written through '{cur[target.Length..]}', which is a {UnixMode.Describe(st.Mode)}, not a directory");
            }
            else
            {
                Directory.CreateDirectory(cur);
            }
        }
    }

    private static void RemoveNonDirectory(string dest, string pkgPath)
    {
        if (!LibC.TryLStat(dest, out var st, out _))
            return;
        if (st.IsDirectory)
            throw new RpmFormatException($"payload: '{pkgPath}' would replace a directory");
        File.Delete(dest);
    }
}
