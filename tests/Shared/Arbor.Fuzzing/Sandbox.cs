// The filesystem around a writing parser's target. Parsers that write (tar import, delta apply,
// rpm extract) get a target directory nested a few levels inside a sandbox that also holds
// canary files and directories; after each case everything in the sandbox outside the target,
// and the names at the filesystem root, must be exactly as before. A "../" or absolute name that
// got through would show up as a new or changed entry there.
using System.Globalization;
using System.Text;

namespace Arbor.Fuzzing;

/// <summary>A sandbox directory with a target inside it and canaries around it.</summary>
public sealed class Sandbox : IDisposable
{
    private readonly Dictionary<string, string> _before;
    private readonly HashSet<string> _rootBefore;

    /// <summary>The sandbox root (the canaries live here and between it and the target).</summary>
    public string Root { get; }

    /// <summary>Where the parser may write: <c>Root/a/b/c/target</c>.</summary>
    public string Target { get; }

    /// <summary>Creates a sandbox under the temporary directory.</summary>
    public Sandbox(string name)
    {
        Root = Directory.CreateTempSubdirectory($"arbor-fuzz-{name}-").FullName;
        var deep = Path.Combine(Root, "a", "b", "c");
        Directory.CreateDirectory(deep);
        foreach (var d in new[] { Root, Path.Combine(Root, "a"), Path.Combine(Root, "a", "b"), deep })
        {
            File.WriteAllText(Path.Combine(d, "canary"), "canary\n");
            Directory.CreateDirectory(Path.Combine(d, "canary.d"));
        }
        Target = Path.Combine(deep, "target");
        Directory.CreateDirectory(Target);
        _before = Snapshot();
        _rootBefore = RootNames();
    }

    /// <summary>Empties the target for the next case.</summary>
    public void ResetTarget()
    {
        if (Directory.Exists(Target))
        {
            MakeWritable(Target);
            Directory.Delete(Target, recursive: true);
        }
        Directory.CreateDirectory(Target);
    }

    /// <summary>Throws <see cref="FuzzWrongResultException"/> when anything outside the target changed.</summary>
    public void CheckNothingOutsideTarget()
    {
        var now = Snapshot();
        var diff = new StringBuilder();
        foreach (var (p, sig) in now)
        {
            if (!_before.TryGetValue(p, out var old))
                diff.Append(CultureInfo.InvariantCulture, $" created {p};");
            else if (old != sig)
                diff.Append(CultureInfo.InvariantCulture, $" changed {p} ({old} -> {sig});");
        }
        foreach (var p in _before.Keys.Where(p => !now.ContainsKey(p)))
            diff.Append(CultureInfo.InvariantCulture, $" removed {p};");
        foreach (var n in RootNames().Where(n => !_rootBefore.Contains(n)))
            diff.Append(CultureInfo.InvariantCulture, $" created /{n};");
        if (diff.Length > 0)
            throw new FuzzWrongResultException("wrote outside the target directory:" + diff);
    }

    // Path (relative to Root) -> type, size and modification time, not following symlinks, skipping the target.
    private Dictionary<string, string> Snapshot()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        Walk(new DirectoryInfo(Root), map);
        return map;
    }

    private void Walk(DirectoryInfo dir, Dictionary<string, string> map)
    {
        foreach (var e in dir.EnumerateFileSystemInfos())
        {
            if (e.FullName == Target)
                continue;
            var rel = Path.GetRelativePath(Root, e.FullName);
            bool isDir = e is DirectoryInfo && e.LinkTarget is null;
            map[rel] = isDir
                ? $"dir {e.UnixFileMode}"
                : string.Create(CultureInfo.InvariantCulture, $"{(e.LinkTarget is not null ? "link " + e.LinkTarget : "file")} {(e as FileInfo)?.Length} {e.LastWriteTimeUtc.Ticks} {e.UnixFileMode}");
            if (isDir)
                Walk((DirectoryInfo)e, map);
        }
    }

    private static HashSet<string> RootNames() => new(Directory.EnumerateFileSystemEntries("/").Select(Path.GetFileName)!, StringComparer.Ordinal);

    // Hostile archives leave symlinks to "/" behind: never follow a link while walking.
    private static void MakeWritable(string dir)
    {
        var info = new DirectoryInfo(dir);
        if (info.LinkTarget is not null || !info.Exists)
            return;
        try
        {
            File.SetUnixFileMode(dir, (UnixFileMode)0x1ED);
            foreach (var d in info.EnumerateDirectories())
                MakeWritable(d.FullName);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Removes the sandbox.</summary>
    public void Dispose()
    {
        try
        {
            MakeWritable(Root);
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
