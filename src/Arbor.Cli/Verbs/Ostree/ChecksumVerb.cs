// `ostree checksum [--ignore-xattrs] PATH` (ot-builtin-checksum.c): prints the checksum the object
// for PATH would have in a repository — content checksum for files and symlinks, dirmeta checksum
// for directories — computed by ContentHasher exactly as commit computes it. Only PATH is read.
using Arbor.Native;
using Arbor.Ostree;
using Arbor.Ostree.Repo;

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class ChecksumVerb : OstreeVerb
{
    public override string Name => "checksum";
    public override string Summary => "Checksum a file or directory";
    public override string Usage => "ostree checksum [OPTION…] PATH";

    protected override IReadOnlyList<OptionSpec> VerbOptions =>
    [
        new("ignore-xattrs", '\0', OptionArg.None, "Don't include xattrs in checksum"),
    ];

    public override int Run(VerbContext ctx)
    {
        if (ctx.Args.Positional.Count < 1)
            throw new OstreeException("A filename must be given");
        var path = ctx.Args.Positional[0];
        if (!LibC.TryLStat(path, out var st, out int errno))
        {
            throw errno == LibC.ENOENT
                ? new OstreeException($"Error when getting information for file “{Path.GetFullPath(path)}”: No such file or directory")
                : new NativeIOException("statx", path, errno);
        }
        var checksum = ContentHasher.Checksum(path, st, ctx.Args.Has("ignore-xattrs"));
        ctx.Out.Write(checksum + "\n");
        return 0;
    }
}
