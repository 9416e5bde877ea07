// Building small RPMs with Arbor.Rpm's writer for the import and assembly tests, and a scratch
// directory that cleans itself up.
using Arbor.Rpm.Package;

namespace Arbor.Compose.Tests;

internal sealed class Scratch : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("arbor-compose-").FullName;

    public string Sub(string name)
    {
        var p = Path.Combine(Dir, name);
        Directory.CreateDirectory(p);
        return p;
    }

    public void Dispose()
    {
        foreach (var d in Directory.EnumerateDirectories(Dir, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }))
            File.SetUnixFileMode(d, (UnixFileMode)0x1C0);
        Directory.Delete(Dir, recursive: true);
    }
}

internal static class TestPackages
{
    public const long BuildTime = 1_700_000_000;

    /// <summary>Builds NAME-VERSION-1.noarch.rpm from the files <paramref name="populate"/> makes under a root.</summary>
    public static string Build(Scratch s, string name, string version, Action<string> populate, Dictionary<string, FileFlags>? flags = null, long? epoch = null)
    {
        var root = s.Sub($"root-{name}-{version}-{Guid.NewGuid():N}");
        populate(root);
        var spec = new PackageSpec
        {
            Name = name,
            Version = version,
            Epoch = epoch,
            BuildTime = BuildTime,
            FileFlags = flags ?? new(StringComparer.Ordinal),
        };
        return RpmWriter.Write(spec, root, s.Sub("rpms"));
    }

    public static void Write(string root, string rel, string text, UnixFileMode mode = (UnixFileMode)0x1A4)
    {
        var p = Path.Combine(root, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllText(p, text);
        File.SetUnixFileMode(p, mode);
    }

    public static void Dir(string root, string rel, UnixFileMode mode = (UnixFileMode)0x1ED)
    {
        var p = Path.Combine(root, rel);
        Directory.CreateDirectory(p);
        File.SetUnixFileMode(p, mode);
    }
}
