// A scratch directory of treefiles for one test: write files into it, load one, delete it all.
namespace Arbor.Compose.Tests.Treefile;

internal sealed class TreefileDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("arbor-treefile-").FullName;

    public string Write(string name, string text)
    {
        string path = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public Arbor.Compose.Treefile.Treefile Load(string name, string basearch = "x86_64") =>
        Arbor.Compose.Treefile.Treefile.Load(System.IO.Path.Combine(Path, name), basearch);

    public void Dispose() => Directory.Delete(Path, true);
}
