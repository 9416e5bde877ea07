// `ostree export [OPTION…] COMMIT` (ot-builtin-export.c): streams a commit as a GNU tar archive to
// stdout or to --output, through TreeExport. The steps keep ostree's order so failures leave the
// same traces: the repository is opened, the COMMIT argument checked, the output file created
// (truncated) and only then the commit read. Like libarchive, the archive is padded to a full
// 10240-byte record on stdout and when the output file is a pipe or device, not on a regular file;
// a failure still ends the archive with its end marker, as libarchive's close does.
using Arbor.Native;
using Arbor.Ostree.Export;

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class ExportVerb : OstreeVerb
{
    public override string Name => "export";
    public override string Summary => "Stream COMMIT to stdout in tar format";
    public override string Usage => "ostree export [OPTION…] COMMIT";

    protected override IReadOnlyList<OptionSpec> VerbOptions =>
    [
        new("no-xattrs", '\0', OptionArg.None, "Skip output of extended attributes"),
        new("subpath", '\0', OptionArg.String, "Checkout sub-directory PATH", "PATH"),
        new("prefix", '\0', OptionArg.String, "Add PATH as prefix to archive pathnames", "PATH"),
        new("output", 'o', OptionArg.String, "Output to PATH ", "PATH"),
    ];

    public override int Run(VerbContext ctx)
    {
        var a = ctx.Args;
        var repo = ctx.Repo;
        RequireArgs(ctx, 1, "A COMMIT argument is required");
        var rev = a.Positional[0];
        if (a.Get("output") is { } path)
        {
            FileStream file;
            try
            {
                file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite, 1);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new Arbor.Ostree.OstreeException($"Failed to open '{path}'");
            }
            using (file)
            {
                var type = LibC.FStat(file.SafeFileHandle).Type;
                bool pad = type is UnixMode.S_IFCHR or UnixMode.S_IFBLK or UnixMode.S_IFIFO;
                Export(ctx, rev, file, pad);
            }
            return 0;
        }
        ctx.Out.Flush();
        if (ReferenceEquals(ctx.Out, Console.Out))
        {
            using var stdout = Console.OpenStandardOutput();
            Export(ctx, rev, stdout, pad: true);
        }
        else if (ctx.Out is StreamWriter sw)
        {
            Export(ctx, rev, sw.BaseStream, pad: true);
        }
        else
        {
            using var ms = new MemoryStream();
            Export(ctx, rev, ms, pad: true);
            ms.Position = 0;
            CatVerb.CopyToOutput(ms, ctx.Out);
        }
        return 0;
    }

    private static void Export(VerbContext ctx, string rev, Stream output, bool pad)
    {
        var a = ctx.Args;
        var repo = ctx.Repo;
        Arbor.Ostree.Objects.Checksum commit;
        try
        {
            commit = repo.ResolveRev(rev)!.Value;
        }
        catch (Arbor.Ostree.OstreeException)
        {
            // ostree has already opened the archive: closing it writes the end marker.
            TreeExport.WriteEmptyArchive(output, pad);
            throw;
        }
        TreeExport.Export(repo, commit, output, new ExportOptions
        {
            Subpath = a.Get("subpath"),
            Prefix = a.Get("prefix"),
            NoXattrs = a.Has("no-xattrs"),
            PadRecord = pad,
        });
    }
}
