// `arbor rpm createrepo DIR`: writes rpm-md metadata for the RPMs under DIR (Arbor.Rpm.Repodata).
using Arbor.Rpm.Repodata;

namespace Arbor.Cli.Verbs.Rpm;

internal static class CreaterepoCommand
{
    public static int Run(ParsedArgs args, TextWriter stdout)
    {
        if (args.Positional.Count != 1)
            throw new UsageException("createrepo takes DIR");
        var dir = args.Positional[0];
        int n = RepoWriter.Create(dir);
        stdout.WriteLine($"{n} packages written to {Path.Combine(dir, "repodata", "repomd.xml")}");
        return 0;
    }
}
