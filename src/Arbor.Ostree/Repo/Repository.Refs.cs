// Refs: refs/heads/NAME (local branches), refs/remotes/REMOTE/NAME and refs/mirrors/...; each a
// file holding a checksum and a newline. Revisions resolve as ostree's do: a full checksum, a
// unique checksum prefix, REMOTE:REF, REF (heads first, then remotes), and REV^ for a parent.
// Names are checked against ostree's grammar (RefGrammar.cs) before they become paths, on reads
// as on writes; entries under refs/ whose names fall outside it are not refs (ostree skips them too).
using Arbor.Ostree.Objects;

namespace Arbor.Ostree.Repo;

/// <summary>A ref and the commit it names.</summary>
/// <param name="Remote">The remote, or null for a local ref.</param>
/// <param name="Name">The ref name, e.g. <c>exampleos/x86_64/stable</c>.</param>
/// <param name="Target">The commit checksum.</param>
public readonly record struct RefEntry(string? Remote, string Name, Checksum Target)
{
    /// <summary>The refspec form: <c>REMOTE:NAME</c> or <c>NAME</c>.</summary>
    public string Refspec => Remote is null ? Name : $"{Remote}:{Name}";
}

/// <summary>A ref alias: local ref <paramref name="Name"/> stands for local ref <paramref name="Target"/>.</summary>
/// <param name="Name">The alias, e.g. <c>exampleos/stable</c>.</param>
/// <param name="Target">The ref it names, e.g. <c>exampleos/x86_64/stable</c>.</param>
public readonly record struct RefAlias(string Name, string Target);

public sealed partial class Repository
{
    private string RefsDir => System.IO.Path.Combine(Path, "refs");

    /// <summary>Where branch <paramref name="name"/> lives relative to a repository's root, here or on a remote served over HTTP.</summary>
    public static string HeadRelativePath(string name) => "refs/heads/" + name;

    private string RefPath(string? remote, string name) => remote is null
        ? System.IO.Path.Combine(Path, HeadRelativePath(name))
        : System.IO.Path.Combine(RefsDir, "remotes", remote, name);

    private static Checksum? ReadRefFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return null;
        }
        var t = text.Trim();
        if (!Checksum.TryParse(t, out var c))
            throw new OstreeException($"Ref file {path} does not contain a checksum: '{t}'");
        return c;
    }

    /// <summary>Resolves a revision: checksum, checksum prefix, ref, REMOTE:REF, or any of those followed by ^.</summary>
    /// <returns>The commit checksum, or null when <paramref name="allowMissing"/> and nothing matched.</returns>
    public Checksum? ResolveRev(string rev, bool allowMissing = false)
    {
        if (Checksum.TryParse(rev, out var full))
            return full;
        var partial = ResolvePartialChecksum(rev);
        if (partial is not null)
            return partial;
        if (rev.EndsWith('^'))
        {
            var child = ResolveRev(rev[..^1], allowMissing);
            if (child is null)
                return null;
            return LoadCommit(child.Value).Parent ?? throw new OstreeException($"Commit {child} has no parent");
        }
        var (remote, name) = ParseRefspec(rev);
        Checksum? found = null;
        if (File.Exists(RefPath(remote, name)))
            found = ReadRefFile(RefPath(remote, name));
        else if (remote is null)
        {
            var mirror = System.IO.Path.Combine(RefsDir, "mirrors", name);
            var direct = System.IO.Path.Combine(RefsDir, "remotes", name);
            if (File.Exists(direct))
                found = ReadRefFile(direct);
            else if (File.Exists(mirror))
                found = ReadRefFile(mirror);
            else
                found = FindRefInRemotes(name);
        }
        if (found is null && !allowMissing)
            throw new OstreeException($"Refspec '{rev}' not found");
        return found;
    }

    private Checksum? FindRefInRemotes(string name)
    {
        var remotes = System.IO.Path.Combine(RefsDir, "remotes");
        if (!Directory.Exists(remotes))
            return null;
        foreach (var dir in Directory.EnumerateDirectories(remotes))
        {
            var p = System.IO.Path.Combine(dir, name);
            if (File.Exists(p))
                return ReadRefFile(p);
        }
        return null;
    }

    private Checksum? ResolvePartialChecksum(string prefix)
    {
        if (prefix.Length is < 4 or >= 64)
            return null;
        foreach (var ch in prefix)
        {
            if (!char.IsAsciiHexDigitLower(ch) && !char.IsAsciiDigit(ch))
                return null;
        }
        var dir = System.IO.Path.Combine(ObjectsDir, prefix[..2]);
        if (!Directory.Exists(dir))
            return null;
        var rest = prefix[2..];
        Checksum? match = null;
        foreach (var f in Directory.EnumerateFiles(dir, rest + "*.commit"))
        {
            var hex = prefix[..2] + System.IO.Path.GetFileNameWithoutExtension(f);
            if (match is not null)
                throw new OstreeException($"Refspec {prefix} not unique");
            match = Checksum.Parse(hex);
        }
        return match;
    }

    /// <summary>
    /// Points a ref at a commit (or deletes it when <paramref name="target"/> is null) in a
    /// transaction of its own (<c>ostree_repo_set_ref_immediate</c>): the commit must be complete.
    /// </summary>
    public void SetRefImmediate(string? remote, string name, Checksum? target)
    {
        using var txn = RepoTransaction.Prepare(this);
        txn.SetRef(remote, name, target);
        txn.Commit();
    }

    // The only writers of ref files; RepoTransaction calls them after the objects are durable.
    internal void WriteRefFile(string? remote, string name, Checksum? target, bool fsync)
    {
        var path = RefPath(remote, name);
        if (target is null)
        {
            PathRemoval.DeleteFileIfExists(path);
            return;
        }
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllText(path, target.Value + "\n", fsync);
    }

    internal void WriteMirrorRefFile(string relative, Checksum? target, bool fsync)
    {
        relative = ValidateRefName(relative);
        var path = System.IO.Path.Combine(RefsDir, "mirrors", relative);
        if (target is null)
        {
            PathRemoval.DeleteFileIfExists(path);
            return;
        }
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllText(path, target.Value + "\n", fsync);
    }

    /// <summary>Lists local refs (and remote refs when asked), sorted by refspec.</summary>
    /// <param name="includeRemotes">Whether refs under refs/remotes are listed.</param>
    /// <param name="prefix">A refspec as <c>ostree refs PREFIX</c> takes it: only the ref it names and the refs
    /// under it are listed; <c>REMOTE:</c> lists all of a remote's refs.</param>
    /// <exception cref="OstreeException"><c>Listing refs: Invalid refspec PREFIX</c>.</exception>
    public List<RefEntry> ListRefs(bool includeRemotes = true, string? prefix = null)
    {
        string? wantRemote = null;
        string? wantRef = null;
        if (prefix is not null)
        {
            int colon = prefix.LastIndexOf(':');
            if (colon >= 0 && (prefix.EndsWith(':') || prefix.EndsWith(":.", StringComparison.Ordinal)) && IsValidRefFragment(prefix.AsSpan(0, colon)))
                wantRemote = prefix[..colon];
            else if (!TryParseRefspec(prefix, out wantRemote, out var name))
                throw new OstreeException($"Listing refs: Invalid refspec {prefix}");
            else
                wantRef = name;
        }
        var list = new List<RefEntry>();
        if (prefix is null || wantRemote is null)
            Collect(System.IO.Path.Combine(RefsDir, "heads"), null, list);
        if (includeRemotes && (prefix is null || wantRemote is not null))
        {
            var remotes = System.IO.Path.Combine(RefsDir, "remotes");
            if (Directory.Exists(remotes))
            {
                foreach (var dir in Directory.EnumerateDirectories(remotes))
                {
                    var remote = System.IO.Path.GetFileName(dir);
                    if (IsValidRefFragment(remote) && (wantRemote is null || remote == wantRemote))
                        Collect(dir, remote, list);
                }
            }
        }
        if (wantRef is not null)
            list.RemoveAll(r => r.Name != wantRef && !(r.Name.StartsWith(wantRef, StringComparison.Ordinal) && r.Name[wantRef.Length] == '/'));
        list.Sort((a, b) => string.CompareOrdinal(a.Refspec, b.Refspec));
        return list;
    }

    /// <summary>
    /// Lists the ref aliases (symlinks under refs/heads) with the ref each names, as
    /// <c>ostree refs --alias</c> does: the target is the link text with its leading <c>../</c> dropped.
    /// </summary>
    /// <param name="prefix">Only the alias with this name and those under it; null for all.</param>
    public List<RefAlias> ListRefAliases(string? prefix = null)
    {
        var heads = System.IO.Path.Combine(RefsDir, "heads");
        var list = new List<RefAlias>();
        if (Directory.Exists(heads))
            CollectAliases(new DirectoryInfo(heads), "", list);
        if (prefix is not null)
        {
            var cut = prefix.TrimEnd('/');
            list.RemoveAll(a => a.Name != cut && !a.Name.StartsWith(cut + "/", StringComparison.Ordinal));
        }
        list.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return list;
    }

    private static void CollectAliases(DirectoryInfo dir, string relative, List<RefAlias> into)
    {
        foreach (var entry in dir.EnumerateFileSystemInfos())
        {
            if (!IsValidRefFragment(entry.Name))
                continue;
            var name = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
            if (entry.LinkTarget is { } link)
            {
                var target = link;
                while (target.StartsWith("../", StringComparison.Ordinal))
                    target = target[3..];
                into.Add(new RefAlias(name, target));
            }
            else if (entry is DirectoryInfo sub)
                CollectAliases(sub, name, into);
        }
    }

    /// <summary>
    /// Makes local ref <paramref name="alias"/> an alias of local ref <paramref name="target"/>
    /// (<c>ostree_repo_set_alias_ref_immediate</c>): a relative symlink in refs/heads, so the alias
    /// follows the target as it moves. The link is made under a temporary name and renamed into place.
    /// </summary>
    /// <exception cref="OstreeException">Either name is not a valid ref name.</exception>
    public void SetAliasRefImmediate(string alias, string target)
    {
        alias = ValidateRefName(alias);
        ValidateRefName(target);
        var path = RefPath(null, alias);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        // One "../" per directory level of the alias climbs back to refs/heads.
        var text = string.Concat(Enumerable.Repeat("../", alias.Count(c => c == '/'))) + target;
        Directory.CreateDirectory(TmpDir);
        var tmp = System.IO.Path.Combine(TmpDir, $"alias-{Environment.ProcessId}-{Guid.NewGuid():N}");
        File.CreateSymbolicLink(tmp, text);
        try
        {
            Arbor.Native.LibC.Rename(tmp, path, 0);
        }
        catch
        {
            PathRemoval.DeleteFileIfExists(tmp);
            throw;
        }
    }

    /// <summary>Lists the refs under refs/mirrors as (path relative to refs/mirrors, target).</summary>
    public List<RefEntry> ListMirrorRefs()
    {
        var list = new List<RefEntry>();
        Collect(System.IO.Path.Combine(RefsDir, "mirrors"), null, list);
        return list;
    }

    private static void Collect(string root, string? remote, List<RefEntry> into)
    {
        if (Directory.Exists(root))
            CollectUnder(new DirectoryInfo(root), "", remote, into);
    }

    private static void CollectUnder(DirectoryInfo dir, string relative, string? remote, List<RefEntry> into)
    {
        foreach (var entry in dir.EnumerateFileSystemInfos())
        {
            // Names outside the ref grammar (.rsync_info, editor backups) are not refs; ostree skips them too.
            if (!IsValidRefFragment(entry.Name))
                continue;
            var name = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
            if (entry is DirectoryInfo sub)
            {
                if (sub.LinkTarget is null)
                    CollectUnder(sub, name, remote, into);
                continue;
            }
            var target = ReadRefFile(entry.FullName);
            if (target is not null)
                into.Add(new RefEntry(remote, name, target.Value));
        }
    }

    // summary and summary.sig change together: the signature is replaced or removed with the summary.
    internal void WriteSummaryFiles(byte[] summary, byte[]? signature, bool fsync)
    {
        AtomicFile.WriteAllBytes(System.IO.Path.Combine(Path, "summary"), summary, fsync);
        var sig = System.IO.Path.Combine(Path, "summary.sig");
        if (signature is null)
            PathRemoval.DeleteFileIfExists(sig);
        else
            AtomicFile.WriteAllBytes(sig, signature, fsync);
    }
}
