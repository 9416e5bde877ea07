// `arbor rpm createrepo DIR`: writes rpm-md metadata for the RPMs under DIR (Arbor.Rpm.Repodata).
using Arbor.Rpm.Repodata;

namespace Arbor.Cli.Rpm;

internal static class CreaterepoCommand
{
    public static int Run(string[] args, TextWriter stdout)
    {
        if (args.Length != 1)
            throw new ArgumentException("createrepo takes DIR");
        int n = RepoWriter.Create(args[0]);
        stdout.WriteLine($"{n} packages written to {Path.Combine(args[0], "repodata", "repomd.xml")}");
        return 0;
    }
}
