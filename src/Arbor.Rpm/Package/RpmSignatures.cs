// OpenPGP signatures of RPM packages, checked the way dnf's gpgcheck=1 expects: a package must
// carry a signature made by one of the repository's gpgkey= keys. rpm puts an OpenPGP signature
// packet in the signature header — RSAHEADER (268) or DSAHEADER (267) over the main header bytes,
// or the legacy PGP (1002) / GPG (1005) tags over header + compressed payload. The signature is
// written to a temporary file and the signed bytes are streamed to gpgv's stdin, with a keyring
// built from the armored key files (OpenPGP armor decoded here; the cryptography stays in gpg).
// gpgv's status lines say whether the signature is good, bad, or by a key we do not hold.
using System.Diagnostics;
using System.Text;
using Arbor.Rpm.Header;

namespace Arbor.Rpm.Package;

/// <summary>A package signature is missing, bad, or by a key not in the keyring.</summary>
public sealed class RpmSignatureException(string message) : IOException(message);

/// <summary>What a good signature was made with.</summary>
/// <param name="Tag">The signature header tag that held it (268, 267, 1002 or 1005).</param>
/// <param name="KeyId">The long key id of the signing key (16 hex digits, upper case as gpg prints it).</param>
/// <param name="Fingerprint">The fingerprint of the signing (sub)key.</param>
public sealed record RpmSignature(int Tag, string KeyId, string Fingerprint);

/// <summary>Verifying RPM signatures against a keyring.</summary>
public static class RpmSignatures
{
    private const string ArmorBegin = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
    private const string ArmorEnd = "-----END PGP PUBLIC KEY BLOCK-----";

    /// <summary>
    /// Decodes OpenPGP public keys: ASCII-armored blocks (several may follow one another) or binary
    /// packets, returned as binary packets that gpgv accepts as a keyring.
    /// </summary>
    /// <exception cref="FormatException">The data is neither, or an armor block is broken.</exception>
    public static byte[] Dearmor(ReadOnlySpan<byte> keyFile, string what)
    {
        if (keyFile.Length > 0 && (keyFile[0] & 0x80) != 0)
            return keyFile.ToArray(); // already binary: the first byte is a packet tag
        var text = Encoding.ASCII.GetString(keyFile);
        var output = new MemoryStream();
        int at = 0, blocks = 0;
        while ((at = text.IndexOf(ArmorBegin, at, StringComparison.Ordinal)) >= 0)
        {
            int end = text.IndexOf(ArmorEnd, at, StringComparison.Ordinal);
            if (end < 0)
                throw new FormatException($"{what}: armored key block has no '{ArmorEnd}' line");
            var base64 = new StringBuilder();
            foreach (var raw in text[(at + ArmorBegin.Length)..end].Split('\n'))
            {
                var line = raw.Trim();
                if (line.Length == 0 || line.Contains(':', StringComparison.Ordinal))
                    continue; // armor headers ("Version: …") and the blank line after them
                if (line.StartsWith('='))
                    break; // CRC-24 line
                base64.Append(line);
            }
            try
            {
                output.Write(Convert.FromBase64String(base64.ToString()));
            }
            catch (FormatException)
            {
                throw new FormatException($"{what}: armored key block {blocks + 1} is not valid base64");
            }
            blocks++;
            at = end + ArmorEnd.Length;
        }
        if (blocks == 0)
            throw new FormatException($"{what}: not an OpenPGP public key (no '{ArmorBegin}' and not binary)");
        return output.ToArray();
    }

    /// <summary>Writes a keyring file for <see cref="Verify"/> from key files (armored or binary).</summary>
    public static void WriteKeyring(string keyringPath, IEnumerable<(string Name, byte[] Data)> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var tmp = keyringPath + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            foreach (var (name, data) in keys)
                fs.Write(Dearmor(data, name));
        }
        File.Move(tmp, keyringPath, overwrite: true);
    }

    /// <summary>
    /// Checks the package's signature against <paramref name="keyringPath"/> (binary OpenPGP keys).
    /// The header-only signature is preferred, as rpm does; header+payload ones are read from <paramref name="packagePath"/>.
    /// </summary>
    /// <exception cref="RpmSignatureException">No signature, a bad one, or one by an unknown key.</exception>
    public static RpmSignature Verify(RpmPackage package, string packagePath, string keyringPath)
    {
        ArgumentNullException.ThrowIfNull(package);
        var name = Path.GetFileName(packagePath);
        int tag = 0;
        byte[]? signature = null;
        foreach (var t in new[] { SigTag.Rsa, SigTag.Dsa, SigTag.Pgp, SigTag.Gpg })
        {
            if (package.Signature.Get(t)?.Value is byte[] b)
            {
                (tag, signature) = (t, b);
                break;
            }
        }
        if (signature is null)
            throw new RpmSignatureException($"{name}: package is not signed (no RSA/DSA/PGP/GPG signature in the signature header)");
        bool headerOnly = tag is SigTag.Rsa or SigTag.Dsa;
        var home = Directory.CreateTempSubdirectory("arbor-gpgv-").FullName;
        try
        {
            var sigPath = Path.Combine(home, "package.sig");
            File.WriteAllBytes(sigPath, signature);
            var psi = new ProcessStartInfo("gpgv")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in new[] { "--homedir", home, "--keyring", Path.GetFullPath(keyringPath), "--status-fd", "1", sigPath, "-" })
                psi.ArgumentList.Add(a);
            Process proc;
            try
            {
                proc = Process.Start(psi)!;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new RpmSignatureException($"{name}: cannot run gpgv to check the signature: {e.Message}");
            }
            using (proc)
            {
                var stderrTask = proc.StandardError.ReadToEndAsync();
                var stdoutTask = proc.StandardOutput.ReadToEndAsync();
                try
                {
                    using var stdin = proc.StandardInput.BaseStream;
                    stdin.Write(package.Header.Raw);
                    if (!headerOnly)
                    {
                        using var fs = new FileStream(packagePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
                        fs.Seek(package.PayloadOffset, SeekOrigin.Begin);
                        fs.CopyTo(stdin);
                    }
                }
                catch (IOException)
                {
                    // gpgv stops reading once it has decided (e.g. an unusable signature); its status says why.
                }
                proc.WaitForExit();
                return Interpret(name, tag, stdoutTask.Result, stderrTask.Result, proc.ExitCode);
            }
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private static RpmSignature Interpret(string name, int tag, string status, string stderr, int exitCode)
    {
        string? good = null, valid = null, bad = null, noKey = null, err = null;
        foreach (var line in status.Split('\n'))
        {
            var f = line.Split(' ');
            if (f.Length < 3 || f[0] != "[GNUPG:]")
                continue;
            switch (f[1])
            {
                case "GOODSIG": good = f[2]; break;
                case "VALIDSIG": valid = f[2]; break;
                case "BADSIG": bad = f[2]; break;
                case "NO_PUBKEY": noKey = f[2]; break;
                case "ERRSIG": err = f[2]; break;
            }
        }
        string kind = tag switch { SigTag.Rsa => "RSA/header", SigTag.Dsa => "DSA/header", _ => "header+payload" };
        if (bad != null)
            throw new RpmSignatureException($"{name}: BAD {kind} signature (key ID {bad}): the package was changed after signing");
        if (noKey != null)
            throw new RpmSignatureException($"{name}: {kind} signature by key ID {noKey}, which is not among the repository's gpgkey keys (NOKEY)");
        if (good != null && valid != null && exitCode == 0)
            return new RpmSignature(tag, good, valid);
        var detail = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? $"gpgv exited with {exitCode}";
        throw new RpmSignatureException($"{name}: {kind} signature{(err != null ? $" (key ID {err})" : "")} could not be checked: {detail}");
    }
}
