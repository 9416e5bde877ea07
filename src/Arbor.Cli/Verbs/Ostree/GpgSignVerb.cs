// `ostree gpg-sign COMMIT KEY-ID… [--delete] [--gpg-homedir=DIR]` (ot-builtin-gpg-sign.c): adds a
// GPG signature per key to the commit's detached metadata, or with --delete removes the
// signatures made by those keys and prints "Signatures deleted: N".
using Arbor.Ostree.Repo;
using Arbor.Ostree.Signing;

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class GpgSignVerb : OstreeVerb
{
    public override string Name => "gpg-sign";
    public override string Summary => "Sign a commit";
    public override string Usage => "ostree gpg-sign [OPTION…] COMMIT KEY-ID…";

    protected override IReadOnlyList<OptionSpec> VerbOptions =>
    [
        new("delete", 'd', OptionArg.None, "Delete signatures having any of the GPG KEY-IDs"),
        new("gpg-homedir", '\0', OptionArg.String, "GPG Homedir to use when looking for keyrings", "HOMEDIR"),
    ];

    public override int Run(VerbContext ctx)
    {
        var p = ctx.Args.Positional;
        if (p.Count < 1)
            throw new UsageException("Need a COMMIT to sign");
        if (p.Count < 2)
            throw new UsageException("Need at least one GPG KEY-ID to sign with");
        var repo = ctx.Repo;
        var commit = repo.ResolveRev(p[0])!.Value;
        var keys = p.Skip(1).ToList();
        var homedir = ctx.Args.Get("gpg-homedir");
        using var repoLock = RepoLock.Acquire(repo, exclusive: false);
        if (ctx.Args.Has("delete"))
        {
            int n = GpgSigning.DeleteCommitSignatures(repo, commit, keys, homedir);
            ctx.Out.WriteLine($"Signatures deleted: {n}");
            return 0;
        }
        foreach (var k in keys)
            GpgSigning.SignCommit(repo, commit, k, homedir);
        return 0;
    }
}
