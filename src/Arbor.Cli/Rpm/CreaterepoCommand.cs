// `arbor rpm createrepo DIR`: writes rpm-md metadata for the RPMs under DIR (Arbor.Rpm.Repodata).
namespace Arbor.Cli.Rpm;

internal static class CreaterepoCommand
{
    public static int Run(string[] args, TextWriter stdout)
    {
        if (args.Length != 1)
            throw new ArgumentException("createrepo takes DIR");
        throw new InvalidOperationException("createrepo is not implemented yet");
    }
}
