// `arbor rpm build MANIFEST.yaml --root DIR --output DIR`: reads the manifest (Arbor.Compose's
// RpmManifest), hands it and the tree to Arbor.Rpm's writer, prints the RPM's path.
using Arbor.Compose.Packaging;
using Arbor.Rpm.Package;

namespace Arbor.Cli.Verbs.Rpm;

internal static class RpmBuildCommand
{
    public static int Run(ParsedArgs args, TextWriter stdout)
    {
        string? root = args.Get("root"), output = args.Get("output");
        if (args.Positional.Count != 1 || root == null || output == null)
            throw new UsageException("build takes MANIFEST.yaml --root DIR --output DIR");
        var manifestPath = args.Positional[0];
        var spec = RpmManifest.Read(manifestPath);
        stdout.WriteLine(RpmWriter.Write(spec, root, output));
        return 0;
    }
}
