// Glue between the shared fuzz harness (tests/Shared/Arbor.Fuzzing) and the ostree campaigns:
// a campaign bound to the test output, the oracle check that turns a failed expectation into a
// "wrong result", and scratch repositories that forget what a case wrote.
using Arbor.Fuzzing;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Xunit.Abstractions;

namespace Arbor.Ostree.Tests.Fuzz;

internal static class FuzzSupport
{
    /// <summary>A campaign for <paramref name="parser"/> printing to the test output.</summary>
    public static FuzzCampaign Campaign(ITestOutputHelper output, string parser, int cases) =>
        new(parser, output.WriteLine) { Cases = cases };

    /// <summary>Throws a wrong-result failure unless <paramref name="ok"/>.</summary>
    public static void Expect(bool ok, string what)
    {
        if (!ok)
            throw new FuzzWrongResultException(what);
    }

    /// <summary>The checksum a loose-object seed is named after ("repo:XX" + "YYYY….ext").</summary>
    public static Checksum ObjectChecksum(FuzzSeed seed)
    {
        var name = seed.Name[(seed.Name.IndexOf(':', StringComparison.Ordinal) + 1)..];
        return Checksum.Parse(name[..64]);
    }

    /// <summary>Creates a repository that does not fsync (cases write thousands of objects).</summary>
    public static Repository ScratchRepo(string path, RepoMode mode)
    {
        var repo = Repository.Create(path, mode);
        var config = repo.Config;
        config.Set("core", "fsync", "false");
        repo.SaveConfig(config);
        return Repository.Open(path);
    }

    /// <summary>The object files of a repository (relative paths).</summary>
    public static HashSet<string> ObjectFiles(Repository repo) =>
        new(Directory.EnumerateFiles(repo.ObjectsDir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(repo.ObjectsDir, f)), StringComparer.Ordinal);

    /// <summary>Deletes every object not in <paramref name="keep"/>, and the temporary files, refs and deltas a case left.</summary>
    public static void ResetTo(Repository repo, HashSet<string> keep)
    {
        foreach (var f in Directory.EnumerateFiles(repo.ObjectsDir, "*", SearchOption.AllDirectories))
        {
            if (!keep.Contains(Path.GetRelativePath(repo.ObjectsDir, f)))
                File.Delete(f);
        }
        foreach (var d in new[] { "tmp", "refs/heads", "deltas", "state" })
        {
            var dir = Path.Combine(repo.Path, d);
            if (!Directory.Exists(dir))
                continue;
            foreach (var e in Directory.EnumerateFileSystemEntries(dir))
            {
                if (Directory.Exists(e) && new DirectoryInfo(e).LinkTarget is null)
                {
                    if (d == "tmp" && Path.GetFileName(e) == "cache")
                        continue;
                    Directory.Delete(e, recursive: true);
                }
                else
                {
                    File.Delete(e);
                }
            }
        }
    }

    /// <summary>Every object written since <paramref name="keep"/> must hash to its name.</summary>
    public static void VerifyNewObjects(Repository repo, HashSet<string> keep, string context)
    {
        foreach (var f in Directory.EnumerateFiles(repo.ObjectsDir, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(repo.ObjectsDir, f);
            if (keep.Contains(rel) || rel.EndsWith(".commitmeta", StringComparison.Ordinal))
                continue;
            var hex = Path.GetFileName(Path.GetDirectoryName(f))! + Path.GetFileNameWithoutExtension(f);
            var ext = Path.GetExtension(f).TrimStart('.');
            var type = ext is "filez" or "file" ? ObjectType.File
                : ObjectTypes.TryParse(ext, out var t) ? t : throw new FuzzWrongResultException($"{context} stored an unknown object file {rel}");
            var problem = Arbor.Ostree.Repo.Fsck.VerifyObject(repo, new ObjectName(Checksum.Parse(hex), type), out _);
            Expect(problem is null, $"{context} stored a corrupt object {rel}: {problem}");
        }
    }

    /// <summary>Deletes a tree a case wrote, making its directories writable first without following symlinks.</summary>
    public static void RemoveTree(string path)
    {
        var info = new DirectoryInfo(path);
        if (!info.Exists)
            return;
        void Open(DirectoryInfo d)
        {
            File.SetUnixFileMode(d.FullName, (UnixFileMode)0x1ED);
            foreach (var sub in d.EnumerateDirectories())
            {
                if (sub.LinkTarget is null)
                    Open(sub);
            }
        }
        if (info.LinkTarget is null)
            Open(info);
        Directory.Delete(path, recursive: true);
    }
}
