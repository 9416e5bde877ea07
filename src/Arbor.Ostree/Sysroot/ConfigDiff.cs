// What the administrator changed in a deployment's /etc relative to its defaults (/usr/etc): the
// input of the /etc merge and the text of `admin config-diff`. The walk follows libostree's
// ostree_diff_dirs with xattrs ignored, in the order glib enumerates a directory (readdir in
// chunks of 1000, each chunk sorted by inode), because both the merge's order of operations and
// the printed lines depend on it. A file is "modified" when its type, mode, owner, symlink target
// or content differ; the structure is walked first and the content comparisons, the only costly
// part, then run in parallel before the three lists are assembled in walk order.
using Arbor.Native;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Sysroot;

/// <summary>The differences between an /etc and its defaults, each list in ostree's order; paths are relative, '/'-separated.</summary>
/// <param name="Modified">Paths present in both whose type or metadata or content differ.</param>
/// <param name="Removed">Paths only in the defaults (a removed directory is listed alone, not its contents).</param>
/// <param name="Added">Paths only in /etc, with everything beneath an added directory.</param>
public sealed record EtcChanges(IReadOnlyList<string> Modified, IReadOnlyList<string> Removed, IReadOnlyList<string> Added)
{
    /// <summary>True when nothing differs.</summary>
    public bool IsEmpty => Modified.Count == 0 && Removed.Count == 0 && Added.Count == 0;
}

/// <summary>Computes configuration differences (what <c>ostree admin config-diff</c> lists).</summary>
public static class ConfigDiff
{
    /// <summary>Compares <paramref name="etc"/> against its defaults <paramref name="defaults"/> (a deployment's usr/etc).</summary>
    public static EtcChanges Compute(string defaults, string etc)
    {
        try
        {
            RequireDirectory(defaults);
            RequireDirectory(etc);
            var events = new List<Event>();
            Walk(defaults, etc, "", events);
            var checks = events.Where(e => e.Kind == EventKind.CompareContent).ToArray();
            Parallel.ForEach(checks, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                e => e.Differs = !SameContent(e.PathA!, e.PathB!));
            var modified = new List<string>();
            var removed = new List<string>();
            var added = new List<string>();
            foreach (var e in events)
            {
                switch (e.Kind)
                {
                    case EventKind.Modified:
                    case EventKind.CompareContent when e.Differs:
                        modified.Add(e.Relative);
                        break;
                    case EventKind.Removed:
                        removed.Add(e.Relative);
                        break;
                    case EventKind.Added:
                        added.Add(e.Relative);
                        break;
                }
            }
            return new EtcChanges(modified, removed, added);
        }
        catch (IOException e)
        {
            throw new OstreeException($"While computing configuration diff: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new OstreeException($"While computing configuration diff: {e.Message}", e);
        }
    }

    private enum EventKind { Modified, Removed, Added, CompareContent }

    private sealed class Event(EventKind kind, string relative, string? a = null, string? b = null)
    {
        public EventKind Kind { get; } = kind;
        public string Relative { get; } = relative;
        public string? PathA { get; } = a;
        public string? PathB { get; } = b;
        public bool Differs { get; set; }
    }

    private static void RequireDirectory(string path)
    {
        if (!LibC.TryLStat(path, out var st, out int errno))
            throw new NativeIOException("statx", path, errno);
        if (!st.IsDirectory)
            throw new IOException($"{path}: not a directory");
    }

    private static void Walk(string a, string b, string rel, List<Event> events)
    {
        foreach (var ea in GioDirectory.Read(a))
        {
            var childRel = Join(rel, ea.Name);
            var pa = Path.Combine(a, ea.Name);
            var pb = Path.Combine(b, ea.Name);
            if (!GioDirectory.TryLStat(pb, out var sb))
            {
                events.Add(new Event(EventKind.Removed, childRel));
                continue;
            }
            var sa = ea.Stat;
            if (sa.Type != sb.Type)
            {
                events.Add(new Event(EventKind.Modified, childRel));
                continue;
            }
            if (!SameMetadata(pa, sa, pb, sb))
                events.Add(new Event(EventKind.Modified, childRel));
            else if (sa.IsRegular && !(sa.Device == sb.Device && sa.Inode == sb.Inode))
                events.Add(new Event(EventKind.CompareContent, childRel, pa, pb));
            if (sa.IsDirectory)
                Walk(pa, pb, childRel, events);
        }
        foreach (var eb in GioDirectory.Read(b))
        {
            if (GioDirectory.TryLStat(Path.Combine(a, eb.Name), out _))
                continue;
            var childRel = Join(rel, eb.Name);
            events.Add(new Event(EventKind.Added, childRel));
            if (eb.Stat.IsDirectory)
                AddAll(Path.Combine(b, eb.Name), childRel, events);
        }
    }

    private static void AddAll(string dir, string rel, List<Event> events)
    {
        foreach (var e in GioDirectory.Read(dir))
        {
            var childRel = Join(rel, e.Name);
            events.Add(new Event(EventKind.Added, childRel));
            if (e.Stat.IsDirectory)
                AddAll(Path.Combine(dir, e.Name), childRel, events);
        }
    }

    // Everything ostree's file header or dirmeta holds apart from xattrs and content.
    private static bool SameMetadata(string pa, FileStat a, string pb, FileStat b)
    {
        if (a.Mode != b.Mode || a.Uid != b.Uid || a.Gid != b.Gid)
            return false;
        if (a.IsSymlink)
            return string.Equals(new FileInfo(pa).LinkTarget, new FileInfo(pb).LinkTarget, StringComparison.Ordinal);
        if (a.IsRegular)
            return a.Size == b.Size;
        if (a.Type is UnixMode.S_IFCHR or UnixMode.S_IFBLK)
            return a.RdevMajor == b.RdevMajor && a.RdevMinor == b.RdevMinor;
        return true;
    }

    private static bool SameContent(string a, string b)
    {
        const int Chunk = 64 * 1024;
        using var fa = new FileStream(a, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        using var fb = new FileStream(b, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        var ba = new byte[Chunk];
        var bb = new byte[Chunk];
        while (true)
        {
            int na = fa.ReadAtLeast(ba, Chunk, throwOnEndOfStream: false);
            int nb = fb.ReadAtLeast(bb, Chunk, throwOnEndOfStream: false);
            if (na != nb || !ba.AsSpan(0, na).SequenceEqual(bb.AsSpan(0, nb)))
                return false;
            if (na < Chunk)
                return true;
        }
    }

    private static string Join(string rel, string name) => rel.Length == 0 ? name : rel + "/" + name;
}
