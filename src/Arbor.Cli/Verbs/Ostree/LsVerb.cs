// `ostree ls [-R] [-C] [-X] [-d] [--nul-filenames-only] COMMIT [PATH…]` (ot-builtin-ls.c): one line
// per entry, `TYPE0MODE UID GID SIZE [CHECKSUMS] [{ XATTRS }] PATH [-> TARGET]`, walking a commit's
// tree through RepoFile so paths and errors read exactly like ostree's.
using System.Globalization;
using System.Text;
using Arbor.Ostree;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class LsVerb : OstreeVerb
{
    public override string Name => "ls";
    public override string Summary => "List file paths";
    public override string Usage => "ostree ls [OPTION…] COMMIT [PATH...]";

    protected override IReadOnlyList<OptionSpec> VerbOptions =>
    [
        new("dironly", 'd', OptionArg.None, "Do not recurse into directory arguments"),
        new("recursive", 'R', OptionArg.None, "Print directories recursively"),
        new("checksum", 'C', OptionArg.None, "Print checksum"),
        new("xattrs", 'X', OptionArg.None, "Print extended attributes"),
        new("nul-filenames-only", '\0', OptionArg.None, "Print only filenames, NUL separated"),
    ];

    public override int Run(VerbContext ctx)
    {
        RequireArgs(ctx, 1, "An COMMIT argument is required");
        var a = ctx.Args;
        var repo = ctx.Repo;
        var root = RepoFile.ForCommit(repo, repo.ResolveRev(a.Positional[0])!.Value);
        var printer = new Printer(ctx.Out, a.Has("checksum"), a.Has("xattrs"), a.Has("nul-filenames-only"));
        bool recursive = a.Has("recursive"), dirOnly = a.Has("dironly");
        var paths = a.Positional.Count > 1 ? a.Positional.Skip(1).ToList() : ["/"];
        foreach (var p in paths)
        {
            try
            {
                var f = root.ResolveRelative(p);
                var info = f.QueryInfo();
                printer.Print(f, info);
                if (info.Type == RepoFileType.Directory && (recursive || !dirOnly))
                    printer.Recurse(f, recursive ? -1 : 1);
            }
            catch (OstreeException e) when (a.Positional.Count > 1)
            {
                throw new OstreeException($"Inspecting path '{p}': {e.Message}", e);
            }
        }
        return 0;
    }

    private sealed class Printer(TextWriter output, bool checksum, bool xattrs, bool nulOnly)
    {
        public void Recurse(RepoFile dir, int depth)
        {
            if (depth > 0)
                depth--;
            else if (depth == 0)
                return;
            foreach (var child in dir.EnumerateChildren())
            {
                var info = child.QueryInfo();
                Print(child, info);
                if (info.Type == RepoFileType.Directory)
                    Recurse(child, depth);
            }
        }

        public void Print(RepoFile f, RepoFileInfo info)
        {
            if (nulOnly)
            {
                output.Write(f.Path);
                output.Write('\0');
                return;
            }
            var sb = new StringBuilder();
            sb.Append(info.Type switch
            {
                RepoFileType.Regular => '-',
                RepoFileType.Directory => 'd',
                RepoFileType.Symlink => 'l',
                _ => (info.Mode & 0xF000) switch { 0x2000 => 'c', 0x6000 => 'b', _ => '?' },
            });
            sb.Append('0').Append(Convert.ToString(info.Mode & 0xFFF, 8).PadLeft(4, '0'));
            sb.Append(' ').Append(info.Uid.ToString(CultureInfo.InvariantCulture));
            sb.Append(' ').Append(info.Gid.ToString(CultureInfo.InvariantCulture));
            sb.Append(' ').Append(info.Size.ToString(CultureInfo.InvariantCulture).PadLeft(6)).Append(' ');
            if (checksum)
            {
                if (info.Type == RepoFileType.Directory)
                    sb.Append(f.ContentsChecksum).Append(' ');
                sb.Append(f.Checksum).Append(' ');
            }
            if (xattrs)
                sb.Append("{ ").Append(GVariantText.Print(Xattrs.ToValue(info.Xattrs), true)).Append(" } ");
            sb.Append(f.Path);
            if (info.Type == RepoFileType.Symlink)
                sb.Append(" -> ").Append(info.SymlinkTarget);
            sb.Append('\n');
            output.Write(sb.ToString());
        }
    }
}
