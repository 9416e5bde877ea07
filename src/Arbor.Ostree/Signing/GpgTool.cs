// OpenPGP through the GnuPG 2 binaries, never a hand-written OpenPGP. ostree uses gpgme; Arbor
// runs the same engine directly, once per commit or summary:
//   sign:    data -> `gpg --homedir H --detach-sign --local-user KEY` -> one binary signature packet
//   verify:  keyring bytes (binary or ASCII-armored, concatenated) + signatures (concatenated
//            packets, as ostree feeds gpgme) + data -> `gpgv --status-fd` -> one GpgSignature per
//            NEWSIG status line, in signature order
//   import/list: a throwaway homedir whose pubring.gpg is the remote's keyring file (the old
//            keyring format ostree keeps in REPO/NAME.trustedkeys.gpg)
// Throwaway homedirs live under the system temp dir and are removed (agent stopped) after use.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Signing;

/// <summary>A GPG operation failed.</summary>
public sealed class GpgException(string message) : OstreeException(message);

/// <summary>Runs gpg and gpgv.</summary>
public static class GpgTool
{
    /// <summary>Creates a detached binary signature of <paramref name="data"/> with the secret key <paramref name="keyId"/>.</summary>
    /// <param name="data">The exact bytes to sign.</param>
    /// <param name="keyId">Key ID, fingerprint or user ID of a secret key in <paramref name="homedir"/>.</param>
    /// <param name="homedir">The GnuPG home directory, or null for the default.</param>
    /// <exception cref="GpgException">No such key, or gpg failed.</exception>
    public static byte[] Sign(ReadOnlySpan<byte> data, string keyId, string? homedir)
    {
        using var tmp = new TempDir();
        var input = Path.Combine(tmp.Path, "data");
        var output = Path.Combine(tmp.Path, "data.sig");
        File.WriteAllBytes(input, data.ToArray());
        var args = new List<string>();
        if (homedir is not null)
            args.AddRange(["--homedir", homedir]);
        args.AddRange(["--batch", "--no-tty", "--yes", "--status-fd", "1", "--detach-sign", "--local-user", keyId, "--output", output, input]);
        var r = Run("gpg", args);
        if (r.ExitCode != 0 || !File.Exists(output))
        {
            var where = homedir ?? "<default>";
            if (r.Stderr.Contains("No secret key", StringComparison.Ordinal) || r.Stderr.Contains("No public key", StringComparison.Ordinal)
                || r.Stdout.Contains("INV_SGNR", StringComparison.Ordinal))
                throw new GpgException($"No gpg key found with ID {keyId} (homedir: {where})");
            throw new GpgException($"gpg failed to sign with key {keyId} (homedir: {where}): {FirstLine(r.Stderr)}");
        }
        return File.ReadAllBytes(output);
    }

    /// <summary>Checks the concatenated signature packets <paramref name="signatures"/> over <paramref name="data"/> against the given keyrings.</summary>
    /// <param name="data">The signed bytes.</param>
    /// <param name="signatures">One or more detached signature packets, concatenated.</param>
    /// <param name="keyrings">Keyring contents (binary or ASCII-armored) to trust; may be empty.</param>
    public static GpgVerifyResult Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signatures, IEnumerable<byte[]> keyrings)
    {
        using var tmp = new TempDir();
        var keyring = Path.Combine(tmp.Path, "trusted.gpg");
        using (var f = File.Create(keyring))
        {
            foreach (var k in keyrings)
                f.Write(Armor.IsArmored(k) ? Armor.Decode(k) : k);
        }
        var dataPath = Path.Combine(tmp.Path, "data");
        var sigPath = Path.Combine(tmp.Path, "data.sig");
        File.WriteAllBytes(dataPath, data.ToArray());
        File.WriteAllBytes(sigPath, signatures.ToArray());
        var home = Path.Combine(tmp.Path, "home");
        Directory.CreateDirectory(home);
        var r = Run("gpgv", ["--homedir", home, "--keyring", keyring, "--status-fd", "1", sigPath, dataPath]);
        var result = GpgVerifyResult.ParseStatus(r.Stdout);
        if (result.Signatures.Count == 0 && signatures.Length > 0)
            throw new GpgException($"gpgv could not read the signatures: {FirstLine(r.Stderr)}");
        return result;
    }

    /// <summary>Imports keys into the keyring file <paramref name="keyringPath"/> (created when missing), as ostree's remote gpg-import does.</summary>
    /// <param name="keyringPath">The remote's keyring file.</param>
    /// <param name="source">Key data to import from (binary or armored), or null to take keys from the default GnuPG home.</param>
    /// <param name="keyIds">Keys to import; empty imports all.</param>
    /// <param name="fsync">Whether to fsync the new keyring.</param>
    /// <returns>How many keys were imported.</returns>
    public static int Import(string keyringPath, byte[]? source, IReadOnlyList<string> keyIds, bool fsync)
    {
        using var src = new TempDir();
        string? srcHome = null;
        if (source is not null)
        {
            srcHome = Path.Combine(src.Path, "home");
            Directory.CreateDirectory(srcHome);
            var keyFile = Path.Combine(src.Path, "keys");
            File.WriteAllBytes(keyFile, source);
            var imp = Run("gpg", ["--homedir", srcHome, "--batch", "--no-tty", "--import", keyFile]);
            if (imp.ExitCode != 0 && !imp.Stderr.Contains("imported", StringComparison.Ordinal))
                throw new GpgException($"GPG: Unable to import keys: {FirstLine(imp.Stderr)}");
        }
        var baseArgs = new List<string>();
        if (srcHome is not null)
            baseArgs.AddRange(["--homedir", srcHome]);
        baseArgs.AddRange(["--batch", "--no-tty"]);
        foreach (var id in keyIds)
        {
            var check = Run("gpg", [.. baseArgs, "--list-keys", id]);
            if (check.ExitCode != 0)
                throw new GpgException($"GPG: Unable to find key \"{id}\"");
        }
        var exportArgs = new List<string>(baseArgs) { "--export" };
        exportArgs.AddRange(keyIds);
        var export = Run("gpg", exportArgs, binaryStdout: true);
        if (export.ExitCode != 0)
            throw new GpgException($"GPG: Unable to export keys: {FirstLine(export.Stderr)}");

        using var dst = new TempDir();
        var home = Path.Combine(dst.Path, "home");
        Directory.CreateDirectory(home);
        var pubring = Path.Combine(home, "pubring.gpg");
        if (File.Exists(keyringPath))
            File.Copy(keyringPath, pubring);
        else
            File.WriteAllBytes(pubring, []);
        var exported = Path.Combine(dst.Path, "export.gpg");
        File.WriteAllBytes(exported, export.StdoutBytes);
        var r = Run("gpg", ["--homedir", home, "--batch", "--no-tty", "--status-fd", "1", "--import", exported]);
        int imported = 0;
        foreach (var line in r.Stdout.Split('\n'))
        {
            var f = line.Split(' ');
            if (f.Length > 4 && f[0] == "[GNUPG:]" && f[1] == "IMPORT_RES")
                imported = int.Parse(f[4], CultureInfo.InvariantCulture);
        }
        if (r.ExitCode != 0 && export.StdoutBytes.Length > 0)
            throw new GpgException($"GPG: Unable to import keys: {FirstLine(r.Stderr)}");
        AtomicFile.WriteAllBytes(keyringPath, File.ReadAllBytes(pubring), fsync);
        return imported;
    }

    /// <summary>The keys in a keyring file, as gpg's colon listing describes them.</summary>
    public static IReadOnlyList<GpgKeyInfo> ListKeys(byte[] keyring)
    {
        using var tmp = new TempDir();
        var home = Path.Combine(tmp.Path, "home");
        Directory.CreateDirectory(home);
        File.WriteAllBytes(Path.Combine(home, "pubring.gpg"), Armor.IsArmored(keyring) ? Armor.Decode(keyring) : keyring);
        var r = Run("gpg", ["--homedir", home, "--batch", "--no-tty", "--with-colons", "--fixed-list-mode", "--list-keys"]);
        if (r.ExitCode != 0 && keyring.Length > 0)
            throw new GpgException($"gpg could not list the keyring: {FirstLine(r.Stderr)}");
        return GpgKeyInfo.ParseColons(r.Stdout);
    }

    internal sealed record Result(int ExitCode, string Stdout, byte[] StdoutBytes, string Stderr);

    internal static Result Run(string tool, IReadOnlyList<string> args, bool binaryStdout = false)
    {
        var psi = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        psi.Environment["LC_ALL"] = "C";
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new GpgException($"could not start {tool}");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new GpgException($"'{tool}' (GnuPG 2) is required for OpenPGP signatures but was not found on PATH; install the gpg and gpgv packages");
        }
        using (p)
        {
            p.StandardInput.Close();
            var errTask = p.StandardError.ReadToEndAsync();
            using var ms = new MemoryStream();
            p.StandardOutput.BaseStream.CopyTo(ms);
            p.WaitForExit();
            var bytes = ms.ToArray();
            return new Result(p.ExitCode, binaryStdout ? "" : Encoding.UTF8.GetString(bytes), bytes, errTask.GetAwaiter().GetResult());
        }
    }

    internal static string FirstLine(string s)
    {
        var line = s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(l => !l.StartsWith("gpg: keybox", StringComparison.Ordinal));
        return line ?? "no error output";
    }

    /// <summary>A private temporary directory; on dispose any gpg-agent started there is stopped and the directory removed.</summary>
    internal sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("arbor-gpg-").FullName;

        public void Dispose()
        {
            var home = System.IO.Path.Combine(Path, "home");
            if (Directory.Exists(home) && Directory.EnumerateFileSystemEntries(home, "S.gpg-agent*").Any())
            {
                try
                {
                    Run("gpgconf", ["--homedir", home, "--kill", "gpg-agent"]);
                }
                catch (GpgException)
                {
                    // No gpgconf: the agent exits by itself when its socket disappears.
                }
            }
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
                // A socket still being torn down; the temp dir is cleaned later.
            }
        }
    }
}

/// <summary>ASCII armor (RFC 4880 section 6) decoding, for keyrings kept as .asc files.</summary>
public static class Armor
{
    /// <summary>True when <paramref name="data"/> starts (after whitespace) with an armor header line.</summary>
    public static bool IsArmored(ReadOnlySpan<byte> data)
    {
        int i = 0;
        while (i < data.Length && data[i] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
            i++;
        return data[i..].StartsWith("-----BEGIN PGP "u8);
    }

    /// <summary>The binary packets of every armored block in <paramref name="data"/>, concatenated.</summary>
    /// <exception cref="GpgException">A block is not valid base64.</exception>
    public static byte[] Decode(ReadOnlySpan<byte> data)
    {
        var text = Encoding.ASCII.GetString(data).Replace("\r", "", StringComparison.Ordinal);
        var lines = text.Split('\n');
        using var output = new MemoryStream();
        int i = 0;
        while (i < lines.Length)
        {
            if (!lines[i].StartsWith("-----BEGIN PGP ", StringComparison.Ordinal))
            {
                i++;
                continue;
            }
            i++;
            while (i < lines.Length && lines[i].Trim().Length > 0 && lines[i].Contains(": ", StringComparison.Ordinal))
                i++;
            var b64 = new StringBuilder();
            for (; i < lines.Length && !lines[i].StartsWith("-----END PGP ", StringComparison.Ordinal); i++)
            {
                var l = lines[i].Trim();
                if (l.Length == 0 || (l.StartsWith('=') && l.Length == 5))
                    continue;
                b64.Append(l);
            }
            try
            {
                output.Write(Convert.FromBase64String(b64.ToString()));
            }
            catch (FormatException)
            {
                throw new GpgException("ASCII-armored OpenPGP data is not valid base64");
            }
        }
        return output.ToArray();
    }
}
