namespace Arbor.Ostree.Tests;

/// <summary>A temporary directory removed when the test ends.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("arbor-test-").FullName;

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        try
        {
            // Read-only directories from checkouts must be made writable before deletion.
            foreach (var d in Directory.EnumerateDirectories(Path, "*", SearchOption.AllDirectories))
            {
                if (new FileInfo(d).LinkTarget is null)
                    File.SetUnixFileMode(d, (UnixFileMode)0x1ED);
            }
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
