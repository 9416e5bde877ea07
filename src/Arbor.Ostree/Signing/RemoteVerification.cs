// What a pull must check, read from the remote's configuration the way ostree-repo-pull-verify.c
// reads it: `gpg-verify` (default true) and `gpg-verify-summary` for GPG; `sign-verify` and
// `sign-verify-summary` for the sign API — "true" means any type that has keys, an explicit list
// ("ed25519") makes that type's keys required. When both GPG and the sign API are on, a commit
// must pass both. PullEngine calls the verifier built here with the fetched commit bytes and
// detached metadata before anything is written.
using Arbor.Ostree.Objects;
using Arbor.Ostree.Pull;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Signing;

/// <summary>Builds pull-time verifiers from a remote's configuration.</summary>
public static class RemoteVerification
{
    /// <summary>True when <paramref name="key"/> (<c>sign-verify</c> or <c>sign-verify-summary</c>) enables the sign API.</summary>
    public static bool SignVerifyEnabled(Remote remote, string key = "sign-verify")
    {
        var v = remote.Get(key)?.Trim();
        return v is { Length: > 0 } && v is not ("false" or "0");
    }

    /// <summary>The commit verifier for <see cref="PullEngine.CommitVerifier"/>: null result means accepted.</summary>
    public static Func<Repository, Checksum, byte[], byte[]?, string?> CommitVerifier(Remote remote) =>
        (repo, _, commitBytes, detached) => Check(repo, remote, commitBytes, detached, "sign-verify", remote.GpgVerify, summary: false);

    /// <summary>Checks a fetched summary and summary.sig against the remote's settings; null means accepted.</summary>
    public static string? CheckSummary(Repository repo, Remote remote, byte[] summary, byte[]? summarySig)
    {
        if (remote.GpgVerifySummary && GpgSigning.CheckSummary(repo, remote.Name, summary, summarySig) is { } gpgFailure)
            return gpgFailure;
        if (SignVerifyEnabled(remote, "sign-verify-summary"))
        {
            if (summarySig is null)
                return "Signatures verification enabled, but no summary.sig found (use sign-verify-summary=false in remote config to disable)";
            return Check(repo, remote, summary, summarySig, "sign-verify-summary", gpg: false, summary: true);
        }
        return null;
    }

    private static string? Check(Repository repo, Remote remote, byte[] data, byte[]? metadata, string key, bool gpg, bool summary)
    {
        if (gpg && GpgSigning.CheckCommit(repo, remote.Name, data, metadata) is { } gpgFailure)
            return gpgFailure;
        if (!SignVerifyEnabled(remote, key))
            return null;
        var value = remote.Get(key)!.Trim();
        bool explicitList = value is not ("true" or "1");
        if (explicitList)
        {
            foreach (var t in value.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (t != "ed25519")
                    return $"Requested signature type is not implemented: {t}";
            }
        }
        var keys = Ed25519Signing.RemoteKeys(remote);
        if (keys is null)
        {
            if (explicitList)
                return "No keys found for required signapi type ed25519";
            keys = Ed25519Signing.LoadPublicKeys(null, null);
        }
        if (SignatureMetadata.Read(metadata, SignatureMetadata.Ed25519Key).Count == 0)
            return summary ? "Can't verify summary: No signatures found" : "Can't verify commit: No signatures found";
        return Ed25519Signing.Verify(data, metadata, keys, out var error) is null ? error : null;
    }
}
