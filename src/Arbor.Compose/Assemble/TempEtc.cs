// While package scripts, postprocess scripts or dracut run, a composed tree looks like a running
// system: /usr/etc is /etc again, with a /usr/etc link back so paths of either form work. Disposing
// puts /usr/etc back. rpm-ostree does the same dance around every such step
// (rust/src/core.rs `prepare_tempetc_guard`).
namespace Arbor.Compose.Assemble;

/// <summary>/usr/etc moved to /etc for the duration (with a /usr/etc link back), then restored.</summary>
internal sealed class TempEtc : IDisposable
{
    private readonly string? _root;

    private TempEtc(string? root) => _root = root;

    /// <summary>Moves <c>usr/etc</c> to <c>etc</c> when the tree has the former and not the latter; otherwise makes sure <c>etc</c> exists.</summary>
    public static TempEtc Arrange(string root)
    {
        string usrEtc = Path.Combine(root, "usr/etc"), etc = Path.Combine(root, "etc");
        if (!Directory.Exists(usrEtc) || new FileInfo(usrEtc).LinkTarget is not null || Path.Exists(etc))
        {
            Directory.CreateDirectory(etc);
            return new TempEtc(null);
        }
        Directory.Move(usrEtc, etc);
        File.CreateSymbolicLink(usrEtc, "../etc");
        return new TempEtc(root);
    }

    /// <summary>Moves <c>etc</c> back to <c>usr/etc</c> if <see cref="Arrange"/> moved it.</summary>
    public void Dispose()
    {
        if (_root is null)
            return;
        string usrEtc = Path.Combine(_root, "usr/etc");
        File.Delete(usrEtc);
        Directory.Move(Path.Combine(_root, "etc"), usrEtc);
    }
}
