// Test helpers: runs `arbor` in-process through Program.Run and builds the small two-commit tree
// the read-verb tests share. The tree, modes and options are chosen so that ostree 2022.7 produces
// the same commits (checked by hand), which is what lets the tests embed ostree's exact output.
using System.Diagnostics.CodeAnalysis;

namespace Arbor.Cli.Tests;

[SuppressMessage("Design", "CA1515", Justification = "xunit fixtures")]
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("arbor-cli-test-").FullName;

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public static class Cli
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter { NewLine = "\n" };
        var e = new StringWriter { NewLine = "\n" };
        int code = Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    public static string Ok(params string[] args)
    {
        var (code, o, e) = Run(args);
        Assert.True(code == 0, $"arbor {string.Join(' ', args)} exited {code}: {e}");
        return o;
    }

    public static void Write(string path, string text, UnixFileMode mode)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, mode);
    }

    public const UnixFileMode M644 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    public const UnixFileMode M755 = M644 | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
    public const UnixFileMode M700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const string First = "ad3654668b7e90c71a6f75604795e7491b65626bd066c4d17ce9fb1c5c2e8254";
    public const string Second = "cc63ede672176c2a0a557adf8fbb235ad9cc0a1c12c8d124eeaaf7f99ecc1728";

    /// <summary>An archive repo with main = Second → First; returns the repo path; the tree dir holds Second's content.</summary>
    public static string MakeRepo(TempDir tmp)
    {
        var repo = tmp.Combine("repo");
        var t = tmp.Combine("t");
        Directory.CreateDirectory(t);
        Write(System.IO.Path.Combine(t, "a.txt"), "hello\n", M644);
        Write(System.IO.Path.Combine(t, "bin", "tool"), "#!/bin/sh\n", M755);
        File.CreateSymbolicLink(System.IO.Path.Combine(t, "bin", "link"), "tool");
        Directory.CreateDirectory(System.IO.Path.Combine(t, "empty"));
        File.SetUnixFileMode(t, M755);
        File.SetUnixFileMode(System.IO.Path.Combine(t, "bin"), M755);
        File.SetUnixFileMode(System.IO.Path.Combine(t, "empty"), M700);
        Ok("ostree", "init", "--repo=" + repo, "--mode=archive");
        Assert.Equal(First + "\n", Ok("ostree", "--repo=" + repo, "commit", "-b", "main", "--owner-uid=0", "--owner-gid=0",
            "-s", "First", "-m", "Line 1\n\nLine 3", "--add-metadata-string=version=1.0", "--timestamp=2023-01-02T03:04:05Z", t));
        Write(System.IO.Path.Combine(t, "a.txt"), "changed\n", M644);
        File.Delete(System.IO.Path.Combine(t, "bin", "link"));
        Write(System.IO.Path.Combine(t, "new", "dir", "f"), "x", M644);
        File.SetUnixFileMode(System.IO.Path.Combine(t, "new"), M755);
        File.SetUnixFileMode(System.IO.Path.Combine(t, "new", "dir"), M755);
        Assert.Equal(Second + "\n", Ok("ostree", "--repo=" + repo, "commit", "-b", "main", "--owner-uid=0", "--owner-gid=0",
            "-s", "Second", "--timestamp=2023-02-02T03:04:05Z", t));
        return repo;
    }
}
