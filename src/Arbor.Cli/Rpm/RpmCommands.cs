// `arbor rpm VERB …`: the package-side commands for people and scripts. This file only parses
// arguments and prints; reading, writing and verifying live in Arbor.Rpm. Errors are one line on
// stderr with exit 1; usage errors exit 2.
using System.Text;
using Arbor.Native;
using Arbor.Rpm;
using Arbor.Rpm.Package;

namespace Arbor.Cli.Rpm;

/// <summary>Dispatches <c>arbor rpm</c> verbs.</summary>
public static class RpmCommands
{
    private const string Usage =
        "Usage:\n  arbor rpm info FILE.rpm... [--json|--nevra]\n  arbor rpm verify FILE.rpm [--keyring=KEYFILE...]\n  arbor rpm extract FILE.rpm DIR\n" +
        "  arbor rpm build MANIFEST.yaml --root DIR --output DIR\n  arbor rpm createrepo DIR\n" +
        "  arbor rpm repoquery (--repofrompath=ID,URL | --repo-file=FILE [--repo=ID]) [--cachedir DIR] [--releasever N] [--refresh] [PATTERN...]\n" +
        "  arbor rpm download (--repofrompath=ID,URL | --repo-file=FILE [--repo=ID]) [--cachedir DIR] [--releasever N] [--destdir DIR] [--parallel N] PKG...\n";

    /// <summary>Runs a verb.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            (args.Length == 0 ? stderr : stdout).Write(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        try
        {
            var rest = args[1..];
            int code = args[0] switch
            {
                "info" => Info(rest, stdout),
                "verify" => Verify(rest, stdout),
                "extract" => Extract(rest, stdout),
                "build" => RpmBuildCommand.Run(rest, stdout),
                "createrepo" => CreaterepoCommand.Run(rest, stdout),
                "repoquery" => RepoCommands.RepoQuery(rest, stdout),
                "download" => RepoCommands.Download(rest, stdout),
                _ => throw new ArgumentException($"unknown rpm command '{args[0]}'"),
            };
            stdout.Flush();
            return code;
        }
        catch (ArgumentException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            stderr.Write(Usage);
            return 2;
        }
        catch (Exception e) when (e is FormatException or IOException or HttpRequestException or UnauthorizedAccessException or NativeIOException or InvalidOperationException)
        {
            stdout.Flush();
            stderr.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static (List<string> positional, HashSet<string> flags) Split(string[] args)
    {
        var pos = new List<string>();
        var flags = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in args)
        {
            if (a.StartsWith("--", StringComparison.Ordinal))
                flags.Add(a);
            else
                pos.Add(a);
        }
        return (pos, flags);
    }

    private static int Info(string[] args, TextWriter stdout)
    {
        var (pos, flags) = Split(args);
        if (pos.Count == 0 || flags.Except(["--json", "--nevra"]).Any() || flags.Count > 1)
            throw new ArgumentException("info takes FILE.rpm... [--json|--nevra]");
        bool json = flags.Contains("--json"), nevra = flags.Contains("--nevra");
        // Headers are read and formatted on every core, as UTF-8 in pooled buffers, and written in the
        // order of the arguments as soon as the ones before are out.
        using var output = Utf8Output.Open(stdout);
        bool array = json && pos.Count > 1;
        if (array)
            output.Write("[\n"u8);
        int written = 0;
        ParallelWork.ForOrdered(pos.Count, i =>
        {
            try
            {
                using var pkg = RpmPackage.Open(pos[i]);
                pkg.VerifyHeaderDigests();
                return json ? InfoJson.Write(pkg.Info) : PooledText.From(nevra ? pkg.Info.Nevra + "\n" : InfoText(pkg.Info));
            }
            catch (Exception e) when (e is FormatException or IOException && pos.Count > 1)
            {
                throw new IOException($"{pos[i]}: {e.Message}", e);
            }
        }, text =>
        {
            output.Write(text.Span);
            text.Return();
            if (json)
                output.Write(array && ++written < pos.Count ? ",\n"u8 : "\n"u8);
        });
        if (array)
            output.Write("]\n"u8);
        return 0;
    }

    private static int Verify(string[] args, TextWriter stdout)
    {
        var keyFiles = args.Where(a => a.StartsWith("--keyring=", StringComparison.Ordinal)).Select(a => a["--keyring=".Length..]).ToList();
        var rest = args.Where(a => !a.StartsWith("--keyring=", StringComparison.Ordinal)).ToList();
        if (rest.Count != 1 || rest[0].StartsWith('-'))
            throw new ArgumentException("verify takes FILE.rpm [--keyring=KEYFILE...]");
        var path = rest[0];
        using var pkg = RpmPackage.Open(path);
        string signed = "";
        if (keyFiles.Count > 0)
        {
            var dir = Directory.CreateTempSubdirectory("arbor-keyring-").FullName;
            try
            {
                var keyring = Path.Combine(dir, "keyring.gpg");
                RpmSignatures.WriteKeyring(keyring, keyFiles.Select(f => (f, File.ReadAllBytes(f))));
                var sig = RpmSignatures.Verify(pkg, path, keyring);
                signed = $", signature key ID {sig.KeyId[^8..].ToLowerInvariant()} OK";
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        var ok = pkg.VerifyAll();
        stdout.WriteLine($"{path}: digests {string.Join(' ', ok)} OK{signed}");
        return 0;
    }

    private static int Extract(string[] args, TextWriter stdout)
    {
        if (args.Length != 2)
            throw new ArgumentException("extract takes FILE.rpm DIR");
        using var pkg = RpmPackage.Open(args[0]);
        pkg.VerifyHeaderDigests();
        var written = PayloadExtractor.Extract(pkg, args[1]);
        stdout.WriteLine($"{written.Count} entries extracted to {args[1]}");
        return 0;
    }

    private static string InfoText(PackageInfo p)
    {
        var sb = new StringBuilder();
        sb.Append("Name        : ").Append(p.Name).Append('\n');
        if (p.Epoch is long e)
            sb.Append("Epoch       : ").Append(e).Append('\n');
        sb.Append("Version     : ").Append(p.Version).Append('\n');
        sb.Append("Release     : ").Append(p.Release).Append('\n');
        sb.Append("Architecture: ").Append(p.Arch).Append('\n');
        sb.Append("Size        : ").Append(p.Size).Append('\n');
        sb.Append("License     : ").Append(p.License).Append('\n');
        sb.Append("Summary     : ").Append(p.Summary).Append('\n');
        sb.Append("Payload     : ").Append(p.PayloadCompressor).Append('\n');
        sb.Append("Description :\n").Append(p.Description).Append('\n');
        foreach (var (kind, deps) in p.Dependencies)
        {
            if (deps.Count == 0)
                continue;
            sb.Append(kind).Append(":\n");
            foreach (var d in deps)
                sb.Append("  ").Append(d).Append('\n');
        }
        sb.Append("files:\n");
        foreach (var f in p.Files)
            sb.Append("  ").Append(f.Path).Append(f.LinkTo.Length > 0 ? " -> " + f.LinkTo : "").Append('\n');
        foreach (var s in p.Scripts)
            sb.Append(s.Name).Append(" (").Append(string.Join(' ', s.Interpreter)).Append("):\n").Append(s.Body).Append('\n');
        return sb.ToString();
    }
}
