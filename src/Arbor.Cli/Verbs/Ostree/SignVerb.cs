// `ostree sign [--sign-type=ed25519] COMMIT KEY…` (ot-builtin-sign.c): signs with base64 secret
// keys (or each line of --keys-file); with --verify checks against base64 public keys, or the
// keys of --keys-file / --keys-dir / the system files, printing ostree's success line.
using Arbor.Ostree;
using Arbor.Ostree.Repo;
using Arbor.Ostree.Signing;

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class SignVerb : OstreeVerb
{
    public override string Name => "sign";
    public override string Summary => "Sign a commit";
    public override string Usage => "ostree sign [OPTION…] COMMIT KEY-ID…";

    protected override IReadOnlyList<OptionSpec> VerbOptions =>
    [
        new("delete", 'd', OptionArg.None, "Delete signatures having any of the KEY-IDs"),
        new("verify", '\0', OptionArg.None, "Verify signatures"),
        new("sign-type", 's', OptionArg.String, "Signature type to use (defaults to 'ed25519')", "NAME"),
        new("keys-file", '\0', OptionArg.String, "Read keys from file", "NAME"),
        new("keys-dir", '\0', OptionArg.String, "Redefine system-wide directories with public and revoked keys for verification", "NAME"),
    ];

    public override int Run(VerbContext ctx)
    {
        var a = ctx.Args;
        var p = a.Positional;
        if (p.Count < 1)
            throw new UsageException("Need a COMMIT to sign or verify");
        bool verify = a.Has("verify");
        var keysFile = a.Get("keys-file");
        if (!verify && keysFile is null && p.Count < 2)
            throw new UsageException("Need at least one KEY-ID to sign with");
        var type = a.Get("sign-type") ?? "ed25519";
        if (type != "ed25519")
            throw new OstreeException($"Requested signature type is not implemented: {type}");
        var repo = ctx.Repo;
        var commit = repo.ResolveRev(p[0])!.Value;
        var keys = p.Skip(1).ToList();
        var data = repo.LoadMetadataBytes(commit, Arbor.Ostree.Objects.ObjectType.Commit);
        var meta = repo.LoadDetachedMetadata(commit)?.Data;

        if (verify)
        {
            string? error = null;
            foreach (var k in keys)
            {
                Ed25519Keys set = new();
                try
                {
                    set.Public.Add(Ed25519Keys.ParsePublic(k));
                }
                catch (OstreeException e)
                {
                    error = e.Message;
                    continue;
                }
                if (Ed25519Signing.Verify(data, meta, set, out error) is { } ok)
                {
                    ctx.Out.WriteLine(ok);
                    return 0;
                }
            }
            if (keys.Count == 0 || keysFile is not null)
            {
                var set = Ed25519Signing.LoadPublicKeys(keysFile, a.Get("keys-dir"));
                if (Ed25519Signing.Verify(data, meta, set, out error) is { } ok)
                {
                    ctx.Out.WriteLine(ok);
                    return 0;
                }
            }
            throw new OstreeException(error ?? "ed25519: no signatures found");
        }

        using var repoLock = RepoLock.Acquire(repo, exclusive: false);
        if (a.Has("delete"))
        {
            // Keys may be public (32 bytes) or secret (64 bytes, public half used).
            var pubs = keys.Select(k => Convert.FromBase64String(k.Trim())).Select(b => b.Length == 64 ? Ed25519Keys.PublicOf(b) : b).ToList();
            var sigs = SignatureMetadata.Read(meta, SignatureMetadata.Ed25519Key);
            var keep = sigs.Where(s => !pubs.Any(pk => Arbor.Native.Ed25519.Verify(pk, data, s))).ToList();
            if (keep.Count != sigs.Count)
                repo.WriteDetachedMetadata(commit, SignatureMetadata.Replace(meta, SignatureMetadata.Ed25519Key, keep));
            ctx.Out.WriteLine($"Signatures deleted: {sigs.Count - keep.Count}");
            return 0;
        }
        foreach (var k in keys)
            Ed25519Signing.SignCommit(repo, commit, Ed25519Keys.ParseSecret(k));
        if (keysFile is not null)
        {
            foreach (var line in Ed25519Keys.ReadKeyFile(keysFile))
                Ed25519Signing.SignCommit(repo, commit, Ed25519Keys.ParseSecret(line));
        }
        return 0;
    }
}
