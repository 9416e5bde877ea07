// `arbor rpm build MANIFEST.yaml --root DIR --output DIR`: reads the manifest, hands it and the
// file tree to Arbor.Rpm's package writer, prints the path of the RPM written.
namespace Arbor.Cli.Rpm;

internal static class RpmBuildCommand
{
    public static int Run(string[] args, TextWriter stdout)
    {
        throw new InvalidOperationException("build is not implemented yet");
    }
}
