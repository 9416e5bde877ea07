// ed25519 signatures in ostree's layout (ostree-sign-ed25519.c):
//   secret key: 64 bytes = 32-byte seed + 32-byte public key, base64 on the command line or one
//               per line in a --keys-file; only the seed is used to sign (as ostree does with OpenSSL)
//   public key: 32 bytes, base64; key files hold one base64 key per line
//   signature:  64 bytes over the exact commit object bytes (or summary file bytes, or unsigned
//               delta superblock bytes), appended to `ostree.sign.ed25519` (aay) in the detached
//               metadata (or summary.sig, or the signed superblock wrapper — see DeltaSignatures)
// Verification tries every signature against every trusted, non-revoked key; one match suffices.
// Trusted keys for a remote: `verification-ed25519-key` (inline) and `verification-ed25519-file`;
// without either, the system files /etc/ostree/trusted.ed25519(.d) and
// /usr/share/ostree/trusted.ed25519(.d), minus the matching revoked.ed25519 lists.
using Arbor.Native;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Pull;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Signing;

/// <summary>An ed25519 key set for signing or verifying.</summary>
public sealed class Ed25519Keys
{
    /// <summary>Secret keys (64 bytes each: seed then public key).</summary>
    public List<byte[]> Secret { get; } = [];

    /// <summary>Trusted public keys (32 bytes each).</summary>
    public List<byte[]> Public { get; } = [];

    /// <summary>Revoked public keys.</summary>
    public List<byte[]> Revoked { get; } = [];

    /// <summary>Decodes a base64 secret key.</summary>
    /// <exception cref="OstreeException">Not base64 or not 64 bytes.</exception>
    public static byte[] ParseSecret(string base64) => Decode(base64, 64, "Invalid ed25519 secret key");

    /// <summary>Decodes a base64 public key.</summary>
    /// <exception cref="OstreeException">Not base64 or not 32 bytes.</exception>
    public static byte[] ParsePublic(string base64) => Decode(base64, Ed25519.PublicKeySize, "Invalid ed25519 public key");

    /// <summary>The non-empty lines of a key file, each one base64 key.</summary>
    /// <exception cref="OstreeException">The file is missing or not a regular file.</exception>
    public static IEnumerable<string> ReadKeyFile(string path)
    {
        if (!File.Exists(path))
            throw new OstreeException($"File object '{path}' is not a regular file");
        foreach (var line in File.ReadAllLines(path))
        {
            if (line.Trim().Length > 0)
                yield return line.Trim();
        }
    }

    /// <summary>Makes a new secret key in ostree's 64-byte form.</summary>
    public static byte[] GenerateSecret()
    {
        var (seed, pub) = Ed25519.GenerateKeyPair();
        return [.. seed, .. pub];
    }

    /// <summary>The public half of a 64-byte secret key.</summary>
    public static byte[] PublicOf(byte[] secret) => secret[32..];

    private static byte[] Decode(string base64, int size, string what)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            throw new OstreeException($"{what}: not base64");
        }
        if (bytes.Length != size)
            throw new OstreeException($"{what}: Ill-formed input: expected {size} bytes, got {bytes.Length} bytes");
        return bytes;
    }
}

/// <summary>Signing and verifying commits and summaries with ed25519.</summary>
public static class Ed25519Signing
{
    /// <summary>The signature of <paramref name="data"/> by a 64-byte ostree secret key.</summary>
    public static byte[] SignData(ReadOnlySpan<byte> data, byte[] secretKey)
    {
        if (secretKey.Length != 64)
            throw new OstreeException($"Invalid ed25519 secret key: Ill-formed input: expected 64 bytes, got {secretKey.Length} bytes");
        return Ed25519.Sign(secretKey.AsSpan(0, Ed25519.SeedSize), data);
    }

    /// <summary>Appends a signature by <paramref name="secretKey"/> to the commit's detached metadata.</summary>
    public static void SignCommit(Repository repo, Checksum commit, byte[] secretKey)
    {
        var data = repo.LoadMetadataBytes(commit, ObjectType.Commit);
        var old = repo.LoadDetachedMetadata(commit)?.Data;
        repo.WriteDetachedMetadata(commit, SignatureMetadata.Append(old, SignatureMetadata.Ed25519Key, SignData(data, secretKey)));
    }

    /// <summary>Signs REPO/summary with each key, appending to REPO/summary.sig.</summary>
    public static void SignSummary(Repository repo, IReadOnlyList<byte[]> secretKeys)
    {
        var summaryPath = Path.Combine(repo.Path, "summary");
        if (!File.Exists(summaryPath))
            throw new OstreeException($"No summary file in repository {repo.Path} (run summary -u)");
        if (secretKeys.Count == 0)
            throw new OstreeException("No keys passed for signing summary");
        var data = File.ReadAllBytes(summaryPath);
        var sigPath = Path.Combine(repo.Path, "summary.sig");
        byte[]? meta = File.Exists(sigPath) ? File.ReadAllBytes(sigPath) : null;
        foreach (var k in secretKeys)
            meta = SignatureMetadata.Append(meta, SignatureMetadata.Ed25519Key, SignData(data, k));
        AtomicFile.WriteAllBytes(sigPath, meta!, repo.Fsync);
    }

    /// <summary>Checks the ed25519 signatures in <paramref name="metadata"/> over <paramref name="data"/>.</summary>
    /// <returns>ostree's success message ("ed25519: Signature verified successfully with key 'HEX'") or, on failure, null with <paramref name="error"/> set.</returns>
    public static string? Verify(ReadOnlySpan<byte> data, ReadOnlyMemory<byte>? metadata, Ed25519Keys keys, out string? error)
    {
        var sigs = SignatureMetadata.Read(metadata, SignatureMetadata.Ed25519Key);
        error = null;
        if (sigs.Count == 0)
        {
            error = "ed25519: commit have no signatures of my type";
            return null;
        }
        if (keys.Public.Count == 0)
        {
            error = "signature: ed25519: no keys loaded";
            return null;
        }
        return VerifySignatures(data, sigs, keys, out error);
    }

    /// <summary>Checks each of <paramref name="sigs"/> against every trusted, non-revoked key in <paramref name="keys"/>, as ostree_sign_ed25519_data_verify does.</summary>
    /// <returns>The success message, or null with <paramref name="error"/> set.</returns>
    public static string? VerifySignatures(ReadOnlySpan<byte> data, IReadOnlyList<byte[]> sigs, Ed25519Keys keys, out string? error)
    {
        error = null;
        var invalid = new List<string>();
        foreach (var sig in sigs)
        {
            if (sig.Length != Ed25519.SignatureSize)
            {
                error = $"Invalid signature: Ill-formed input: expected {Ed25519.SignatureSize} bytes, got {sig.Length} bytes";
                return null;
            }
            // ostree prepends each key it loads, so it tries (and names) the last-loaded key first.
            for (int k = keys.Public.Count - 1; k >= 0; k--)
            {
                var pk = keys.Public[k];
                if (keys.Revoked.Any(r => r.AsSpan().SequenceEqual(pk)))
                    continue;
                var hex = Convert.ToHexStringLower(pk);
                if (Ed25519.Verify(pk, data, sig))
                    return $"ed25519: Signature verified successfully with key '{hex}'";
                invalid.Add($"key '{hex}'");
            }
        }
        error = invalid.Count == 0 ? "ed25519: no signatures found"
            : invalid.Count > 3 ? $"ed25519: Signature couldn't be verified; tried {invalid.Count} keys"
            : "ed25519: Signature couldn't be verified with: " + string.Join("; ", invalid);
        return null;
    }

    /// <summary>Loads the public keys ostree would use: from one file, or from the system locations (or <paramref name="baseDir"/>).</summary>
    public static Ed25519Keys LoadPublicKeys(string? file, string? baseDir)
    {
        var keys = new Ed25519Keys();
        if (file is not null)
        {
            AddFile(keys.Public, file, required: true);
            return keys;
        }
        string[] bases = baseDir is not null ? [baseDir] : ["/etc/ostree", "/usr/share/ostree"];
        foreach (var b in bases)
        {
            foreach (var (name, list) in new[] { ("trusted.ed25519", keys.Public), ("revoked.ed25519", keys.Revoked) })
            {
                var f = Path.Combine(b, name);
                if (File.Exists(f))
                    AddFile(list, f, required: false);
                var d = f + ".d";
                if (Directory.Exists(d))
                {
                    foreach (var e in Directory.EnumerateFiles(d).Order(StringComparer.Ordinal))
                        AddFile(list, e, required: false);
                }
            }
        }
        if (keys.Public.Count == 0)
            throw new OstreeException("signature: ed25519: no keys loaded");
        return keys;
    }

    /// <summary>The keys a remote trusts (<c>verification-ed25519-key</c>, <c>verification-ed25519-file</c>), or null when it configures none.</summary>
    public static Ed25519Keys? RemoteKeys(Remote remote)
    {
        var file = remote.Get("verification-ed25519-file");
        var inline = remote.Get("verification-ed25519-key");
        if (file is null && inline is null)
            return null;
        var keys = new Ed25519Keys();
        if (file is not null)
        {
            try
            {
                AddFile(keys.Public, file, required: true);
            }
            catch (OstreeException)
            {
                throw new OstreeException($"Failed loading 'ed25519' keys from '{file}'");
            }
        }
        if (inline is not null)
        {
            try
            {
                keys.Public.Add(Ed25519Keys.ParsePublic(inline));
            }
            catch (OstreeException)
            {
                throw new OstreeException("Failed loading 'ed25519' keys from inline `verification-key`");
            }
        }
        return keys;
    }

    private static void AddFile(List<byte[]> into, string file, bool required)
    {
        int added = 0;
        foreach (var line in Ed25519Keys.ReadKeyFile(file))
        {
            try
            {
                into.Add(Ed25519Keys.ParsePublic(line));
                added++;
            }
            catch (OstreeException) when (!required)
            {
            }
            catch (OstreeException)
            {
                // ostree skips bad lines but needs at least one good key.
            }
        }
        if (added == 0 && required)
            throw new OstreeException($"signature: ed25519: no valid keys in file '{file}'");
    }
}
