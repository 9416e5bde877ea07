// GPG signatures on commits and summaries, stored and looked up where ostree keeps them:
//   commit:   the exact commit object bytes are signed; the packet is appended to
//             `ostree.gpgsigs` (aay) in the commit's detached metadata (.commitmeta)
//   summary:  the exact `summary` file bytes are signed; packets go to `summary.sig`, an a{sv}
//             with the same `ostree.gpgsigs` key
// Trusted keys for verification (ostree-repo.c _ostree_repo_gpg_prepare_verifier):
//   a named remote: REPO/NAME.trustedkeys.gpg (else the remotes.d directory's copy) plus its
//             `gpgkeypath` files; the global keyrings only when the remote has no keyring
//   no remote (show without --gpg-verify-remote): every REPO/*.gpg plus the global keyrings
//   global:   $OSTREE_GPG_HOME or /usr/share/ostree/trusted.gpg.d/*.gpg
//   --gpg-homedir DIR: its *.gpg files (not trustdb.gpg/secring.gpg), added to the above
using Arbor.Ostree.Objects;
using Arbor.Ostree.Pull;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Signing;

/// <summary>Signing and verifying commits and summaries with GPG, as ostree does.</summary>
public static class GpgSigning
{
    /// <summary>The keyring file name ostree uses for a remote.</summary>
    public static string KeyringFileName(string remote) => remote + ".trustedkeys.gpg";

    /// <summary>Adds a signature by <paramref name="keyId"/> to <paramref name="commit"/>.</summary>
    /// <exception cref="GpgException">The commit already carries a signature by that key, or signing failed.</exception>
    public static void SignCommit(Repository repo, Checksum commit, string keyId, string? homedir)
    {
        var data = repo.LoadMetadataBytes(commit, ObjectType.Commit);
        var old = repo.LoadDetachedMetadata(commit)?.Data;
        var existing = SignatureMetadata.Read(old, SignatureMetadata.GpgKey);
        if (existing.Count > 0)
        {
            var keyrings = CollectKeyrings(repo, null, homedir);
            var result = GpgTool.Verify(data, Concat(existing), keyrings);
            if (result.Lookup(keyId) >= 0)
                throw new GpgException($"Commit is already signed with GPG key {keyId}");
        }
        var sig = GpgTool.Sign(data, keyId, homedir);
        repo.WriteDetachedMetadata(commit, SignatureMetadata.Append(old, SignatureMetadata.GpgKey, sig));
    }

    /// <summary>Removes the signatures made by any of <paramref name="keyIds"/>; returns how many went.</summary>
    public static int DeleteCommitSignatures(Repository repo, Checksum commit, IReadOnlyList<string> keyIds, string? homedir)
    {
        var old = repo.LoadDetachedMetadata(commit)?.Data;
        var sigs = SignatureMetadata.Read(old, SignatureMetadata.GpgKey);
        if (sigs.Count == 0)
            return 0;
        var data = repo.LoadMetadataBytes(commit, ObjectType.Commit);
        // Each packet on its own, so an index always maps to the stored list.
        var keep = new List<byte[]>();
        int deleted = 0;
        foreach (var s in sigs)
        {
            var r = GpgTool.Verify(data, s, CollectKeyrings(repo, null, homedir));
            if (r.Signatures.Count > 0 && keyIds.Any(k => r.Signatures[0].Matches(k)))
                deleted++;
            else
                keep.Add(s);
        }
        if (deleted > 0)
            repo.WriteDetachedMetadata(commit, SignatureMetadata.Replace(old, SignatureMetadata.GpgKey, keep));
        return deleted;
    }

    /// <summary>Verifies the GPG signatures of <paramref name="commit"/>; null when it has none.</summary>
    /// <param name="repo">The repository holding the commit.</param>
    /// <param name="commit">The commit.</param>
    /// <param name="remote">Trust this remote's keys; null trusts every remote's keys.</param>
    /// <param name="keyringDir">Extra directory of *.gpg keyrings.</param>
    public static GpgVerifyResult? VerifyCommit(Repository repo, Checksum commit, string? remote, string? keyringDir)
    {
        var data = repo.LoadMetadataBytes(commit, ObjectType.Commit);
        return VerifyData(repo, data, repo.LoadDetachedMetadata(commit)?.Data, remote, keyringDir);
    }

    /// <summary>Verifies the <c>ostree.gpgsigs</c> in <paramref name="metadata"/> over <paramref name="data"/>; null when there are none.</summary>
    public static GpgVerifyResult? VerifyData(Repository repo, ReadOnlySpan<byte> data, ReadOnlyMemory<byte>? metadata, string? remote, string? keyringDir)
    {
        var sigs = SignatureMetadata.Read(metadata, SignatureMetadata.GpgKey);
        if (sigs.Count == 0)
            return null;
        return GpgTool.Verify(data, Concat(sigs), CollectKeyrings(repo, remote, keyringDir));
    }

    /// <summary>Signs REPO/summary with each key, appending to REPO/summary.sig.</summary>
    public static void SignSummary(Repository repo, IReadOnlyList<string> keyIds, string? homedir)
    {
        var summaryPath = Path.Combine(repo.Path, "summary");
        if (!File.Exists(summaryPath))
            throw new OstreeException($"No summary file in repository {repo.Path} (run summary -u)");
        var data = File.ReadAllBytes(summaryPath);
        var sigPath = Path.Combine(repo.Path, "summary.sig");
        byte[]? meta = File.Exists(sigPath) ? File.ReadAllBytes(sigPath) : null;
        foreach (var k in keyIds)
            meta = SignatureMetadata.Append(meta, SignatureMetadata.GpgKey, GpgTool.Sign(data, k, homedir));
        if (meta is not null)
            AtomicFile.WriteAllBytes(sigPath, meta, repo.Fsync);
    }

    /// <summary>Null when <paramref name="summarySig"/> holds a valid signature of <paramref name="summary"/> by a key trusted for <paramref name="remote"/>, else why not.</summary>
    public static string? CheckSummary(Repository repo, string remote, byte[] summary, byte[]? summarySig)
    {
        if (summarySig is null)
            return "GPG verification enabled, but no summary signatures found (use gpg-verify-summary=false in remote config to disable)";
        var r = VerifyData(repo, summary, summarySig, remote, null);
        if (r is null)
            return "GPG verification enabled, but no summary signatures found (use gpg-verify-summary=false in remote config to disable)";
        return r.RequireValid();
    }

    /// <summary>Null when the commit has a valid signature by a key trusted for <paramref name="remote"/>, else why not (ostree's wording).</summary>
    public static string? CheckCommit(Repository repo, string remote, byte[] commitBytes, byte[]? detached)
    {
        var r = VerifyData(repo, commitBytes, detached, remote, null);
        if (r is null)
            return "GPG verification enabled, but no signatures found (use gpg-verify=false in remote config to disable)";
        return r.RequireValid();
    }

    /// <summary>Where a remote's keyring is (or would be written).</summary>
    public static string RemoteKeyringPath(Repository repo, string remote) => Path.Combine(repo.Path, KeyringFileName(remote));

    /// <summary>Imports keys for <paramref name="remote"/> (from key data, or the default GnuPG home when null); returns how many.</summary>
    public static int Import(Repository repo, string remote, byte[]? source, IReadOnlyList<string> keyIds)
    {
        Remotes.Get(repo, remote);
        return GpgTool.Import(RemoteKeyringPath(repo, remote), source, keyIds, repo.Fsync);
    }

    /// <summary>The keys trusted for <paramref name="remote"/> (its keyring only, like ostree's remote gpg-list-keys); null remote lists the global keyrings.</summary>
    public static IReadOnlyList<GpgKeyInfo> ListKeys(Repository repo, string? remote)
    {
        var rings = new List<byte[]>();
        if (remote is not null)
        {
            var r = Remotes.Get(repo, remote);
            if (FindRemoteKeyring(repo, r.Name) is { } path)
                rings.Add(File.ReadAllBytes(path));
        }
        else
        {
            AddGlobal(rings);
        }
        var all = rings.SelectMany(k => Armor.IsArmored(k) ? Armor.Decode(k) : k).ToArray();
        return all.Length == 0 ? [] : GpgTool.ListKeys(all);
    }

    /// <summary>The keyring contents to trust, following ostree's rules (see the file header).</summary>
    public static List<byte[]> CollectKeyrings(Repository repo, string? remote, string? keyringDir)
    {
        var rings = new List<byte[]>();
        bool addGlobal = true;
        if (remote is null)
        {
            AddDir(repo.Path, rings);
        }
        else
        {
            var r = Remotes.Get(repo, remote);
            if (FindRemoteKeyring(repo, r.Name) is { } path)
            {
                rings.Add(File.ReadAllBytes(path));
                addGlobal = false;
            }
            foreach (var p in (r.Get("gpgkeypath") ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var file = p.StartsWith("file://", StringComparison.Ordinal) ? p[7..] : p;
                if (Directory.Exists(file))
                {
                    foreach (var f in Directory.EnumerateFiles(file).Order(StringComparer.Ordinal))
                        rings.Add(File.ReadAllBytes(f));
                }
                else
                {
                    rings.Add(File.Exists(file) ? File.ReadAllBytes(file) : throw new OstreeException($"gpgkeypath {file} of remote \"{remote}\" does not exist"));
                }
            }
        }
        if (addGlobal)
            AddGlobal(rings);
        if (keyringDir is not null)
            AddDir(keyringDir, rings);
        return rings;
    }

    private static string? FindRemoteKeyring(Repository repo, string remote)
    {
        var inRepo = RemoteKeyringPath(repo, remote);
        if (File.Exists(inRepo))
            return inRepo;
        if (Remotes.ConfigDir(repo) is { } dir && File.Exists(Path.Combine(dir, KeyringFileName(remote))))
            return Path.Combine(dir, KeyringFileName(remote));
        return null;
    }

    private static void AddGlobal(List<byte[]> rings)
    {
        var dir = Environment.GetEnvironmentVariable("OSTREE_GPG_HOME") ?? "/usr/share/ostree/trusted.gpg.d/";
        if (Directory.Exists(dir))
            AddDir(dir, rings);
    }

    private static void AddDir(string dir, List<byte[]> rings)
    {
        if (!Directory.Exists(dir))
            throw new OstreeException($"GPG keyring directory {dir} does not exist");
        foreach (var f in Directory.EnumerateFiles(dir, "*.gpg").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(f);
            if (name is "trustdb.gpg" or "secring.gpg" || (File.GetAttributes(f) & FileAttributes.ReparsePoint) != 0)
                continue;
            rings.Add(File.ReadAllBytes(f));
        }
    }

    private static byte[] Concat(List<byte[]> parts) => parts.SelectMany(p => p).ToArray();
}
