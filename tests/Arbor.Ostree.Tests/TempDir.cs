namespace Arbor.Ostree.Tests;

/// <summary>A temporary directory removed when the test ends.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("arbor-test-").FullName;

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    /// <summary>Recursive enumeration that neither returns nor descends into symbolic links.</summary>
    public static readonly EnumerationOptions NoSymlinks = new() { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint };

    public void Dispose()
    {
        try
        {
            // Read-only directories from checkouts must be made writable before deletion. Symlinks
            // are skipped, not followed: a tree may link to "..", or to /etc.
            foreach (var d in Directory.EnumerateDirectories(Path, "*", NoSymlinks))
                File.SetUnixFileMode(d, (UnixFileMode)0x1ED);
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
