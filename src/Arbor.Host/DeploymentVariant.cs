// What `arbor status` knows about one deployment, built the way rpm-ostree's daemon builds the
// a{sv} it publishes on D-Bus and `status --json` prints: ostree's facts (id, osname, checksum,
// serial, booted, staged, pinned, unlocked), what the origin file requests (packages, overrides,
// initramfs), the commit's version, timestamp and filtered metadata, the refspec and whether its
// remote verifies signatures, and the ref's newer commit when one has been pulled but not yet
// deployed. Entries go through GVariantDict, as in rpm-ostree, so that --json lists the keys in
// the same order. The text printer (StatusPrinter) reads the same dictionary.
using Arbor.Ostree;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Pull;
using Arbor.Ostree.Repo;
using Arbor.Ostree.Signing;
using Arbor.Ostree.Sysroot;

namespace Arbor.Host;

/// <summary>Builds rpm-ostree's deployment dictionary.</summary>
public static class DeploymentVariant
{
    // Commit metadata keys rpm-ostree drops from base-commit-meta: big, or promoted to their own keys.
    private static readonly string[] FilteredMetaKeys =
    [
        "rpmostree.rpmdb.pkglist", "rpmostree.advisories", "rpmostree.packages", "rpmostree.modules", "rpmostree.spec",
        "rpmostree.removed-base-packages", "rpmostree.replaced-base-packages", "rpmostree.replaced-base-remote-packages",
    ];

    /// <summary>The dictionary for <paramref name="d"/>, entries in the order rpm-ostree's GVariantDict emits them.</summary>
    /// <param name="host">The open sysroot.</param>
    /// <param name="d">One of its deployments.</param>
    /// <param name="verifySignatures">Check GPG signatures of commits whose remote has gpg-verify (status does; it runs gpg).</param>
    public static List<KeyValuePair<string, GVariantValue>> Build(HostSysroot host, Deployment d, bool verifySignatures = true)
    {
        var s = host.Sysroot;
        var repo = s.Repo;
        var dict = new GVariantDict();
        dict.Insert("id", Str($"{d.OsName}-{d.Csum}.{d.DeploySerial}"));
        dict.Insert("osname", Str(d.OsName));
        dict.Insert("checksum", Str(d.Csum));
        dict.Insert("serial", new GVNumber('i', (ulong)d.DeploySerial));
        dict.Insert("booted", GVariantValue.Bool(d.SameAs(s.Booted)));
        dict.Insert("staged", GVariantValue.Bool(d.IsStaged));
        dict.Insert("pinned", GVariantValue.Bool(d.IsPinned));
        dict.Insert("unlocked", Str(d.Unlocked.ToString().ToLowerInvariant()));
        if (d.Origin is { } origin)
            AddOriginRequests(dict, origin);

        var commit = repo.LoadCommit(Checksum.Parse(d.Csum));
        bool layered = commit.GetMetadata("rpmostree.clientlayer") is GVNumber { Kind: 'b', Bits: not 0 } && commit.Parent is not null;
        var baseChecksum = d.Csum;
        var baseCommit = commit;
        if (layered)
        {
            baseChecksum = commit.Parent!.Value.ToString();
            baseCommit = repo.LoadCommit(commit.Parent.Value);
            dict.Insert("base-checksum", Str(baseChecksum));
            AddCommitDetails(dict, "base-", baseCommit);
            AddEndOfLife(dict, baseCommit);
            dict.Insert("layered-commit-meta", FilterMeta(commit));
        }
        else
        {
            AddEndOfLife(dict, commit);
        }
        dict.Insert("base-commit-meta", FilterMeta(baseCommit));
        AddCommitDetails(dict, "", commit);

        var refspec = OriginFile.Refspec(d.Origin) ?? d.Csum;
        dict.Insert("origin", Str(refspec));
        if (Refspecs.Classify(refspec) == RefspecKind.Ostree)
        {
            AddRemoteStatus(dict, repo, refspec, baseChecksum, verifySignatures);
            if (repo.ResolveRev(refspec, allowMissing: true) is { } pending && pending.ToString() != baseChecksum
                && repo.HasObject(pending, ObjectType.Commit))
            {
                dict.Insert("pending-base-checksum", Str(pending.ToString()));
                AddCommitDetails(dict, "pending-base-", repo.LoadCommit(pending));
            }
        }
        if (d.Origin?.Get("origin", "custom-url") is { Length: > 0 } url)
            dict.Insert("custom-origin", GVariantValue.Tuple(Str(url), Str(d.Origin.Get("origin", "custom-description") ?? "")));

        var packages = layered && commit.GetMetadata("rpmostree.packages") is GVArray p ? p.Items.OfType<GVString>().Select(x => x.Value) : [];
        dict.Insert("packages", GVariantValue.StrArray(packages));
        dict.Insert("base-removals", MetaOr(commit, layered, "rpmostree.removed-base-packages", "av"));
        dict.Insert("base-local-replacements", MetaOr(commit, layered, "rpmostree.replaced-base-packages", "a(vv)"));
        dict.Insert("base-remote-replacements", MetaOr(commit, layered, "rpmostree.replaced-base-remote-packages", "a{sv}"));
        return dict.End();
    }

    private static GVariantValue Str(string s) => GVariantValue.Str(s);

    // The origin file, read as rpm-ostree's origin-to-treefile conversion reads it.
    private static void AddOriginRequests(GVariantDict dict, KeyFile origin)
    {
        dict.Insert("requested-packages", Sorted(origin.GetList("packages", "requested")));
        dict.Insert("requested-local-packages", Sorted(NevraKeys(origin.GetList("packages", "requested-local"))));
        dict.Insert("requested-local-fileoverride-packages", Sorted(NevraKeys(origin.GetList("packages", "requested-local-fileoverride"))));
        dict.Insert("requested-base-removals", Sorted(origin.GetList("overrides", "remove")));
        dict.Insert("requested-base-local-replacements", Sorted(NevraKeys(origin.GetList("overrides", "replace-local"))));
        var remote = origin.GetList("overrides", "replace");
        if (remote.Length > 0)
        {
            // "repo=NAME:pkg1,pkg2" or "evr=…": rpm-ostree groups the packages by their source.
            var groups = remote.Select(r => r.Split(':', 2)).Where(p => p.Length == 2)
                .Select(p => GVariantValue.Tuple(Str(p[0]), GVariantValue.StrArray(p[1].Split(',', StringSplitOptions.RemoveEmptyEntries))));
            dict.Insert("requested-base-remote-replacements", new GVArray(GVariantType.Parse("(sas)"), groups.ToList()));
        }
        bool regenerate = origin.GetBool("rpmostree", "regenerate-initramfs", false);
        var initramfsArgs = origin.GetList("rpmostree", "initramfs-args");
        var initramfsEtc = origin.GetList("rpmostree", "initramfs-etc");
        dict.Insert("regenerate-initramfs", GVariantValue.Bool(regenerate));
        if (regenerate || initramfsArgs.Length > 0 || initramfsEtc.Length > 0)
        {
            dict.Insert("initramfs-args", GVariantValue.StrArray(initramfsArgs));
            dict.Insert("initramfs-etc", Sorted(initramfsEtc));
        }
        if (origin.GetBool("rpmostree", "ex-cliwrap", false))
            dict.Insert("cliwrap", GVariantValue.Bool(true));
    }

    private static GVariantValue Sorted(IEnumerable<string> values) =>
        GVariantValue.StrArray(values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

    // Local packages are recorded as "SHA256:NEVRA"; rpm-ostree lists the NEVRAs.
    private static IEnumerable<string> NevraKeys(IEnumerable<string> entries) =>
        entries.Select(e => e.IndexOf(':') is var i and >= 0 ? e[(i + 1)..] : e);

    private static void AddCommitDetails(GVariantDict dict, string prefix, Commit commit)
    {
        if (commit.Version is { } version)
            dict.Insert(prefix + "version", Str(version));
        dict.Insert(prefix + "timestamp", GVariantValue.U64(commit.Timestamp));
    }

    private static void AddEndOfLife(GVariantDict dict, Commit commit)
    {
        if (commit.GetMetadata("ostree.endoflife") is GVString eol)
            dict.Insert("endoflife", Str(eol.Value));
    }

    private static GVariantValue FilterMeta(Commit commit)
    {
        var meta = new GVariantDict(commit.Metadata);
        foreach (var key in FilteredMetaKeys)
            meta.Remove(key);
        return meta.ToValue();
    }

    private static GVariantValue MetaOr(Commit commit, bool layered, string key, string type) =>
        layered && commit.GetMetadata(key) is { } v && v.Type.Signature == type
            ? v
            : new GVArray(GVariantType.Parse(type[1..]), []);

    // rpm-ostree's variant_add_remote_status: a missing remote is reported, not fatal; with
    // gpg-verify on, the commit's signatures are checked against the remote's keyring.
    private static void AddRemoteStatus(GVariantDict dict, Repository repo, string refspec, string baseChecksum, bool verify)
    {
        var (remoteName, _) = Repository.ParseRefspec(refspec);
        if (remoteName is null)
        {
            dict.Insert("gpg-enabled", GVariantValue.Bool(false));
            return;
        }
        Remote remote;
        try
        {
            remote = Remotes.Get(repo, remoteName);
        }
        catch (OstreeException e)
        {
            dict.Insert("remote-error", Str(e.Message));
            return;
        }
        dict.Insert("gpg-enabled", GVariantValue.Bool(remote.GpgVerify));
        if (!remote.GpgVerify || !verify)
            return;
        GpgVerifyResult? result;
        try
        {
            result = GpgSigning.VerifyCommit(repo, Checksum.Parse(baseChecksum), remoteName, null);
        }
        catch (OstreeException)
        {
            // As in rpm-ostree: a signature that cannot be checked shows as unsigned rather than failing status.
            return;
        }
        if (result is null || result.Signatures.Count == 0)
            return;
        dict.Insert("signatures", new GVArray(GVariantType.Variant, result.Signatures.Select(SignatureTuple).ToList()));
    }

    // ostree_gpg_verify_result_get_all's tuple in OSTREE_GPG_SIGNATURE_ATTR order, up to the
    // primary key's fingerprint: gpgv, which Arbor verifies with, does not report key expiry times.
    private static GVariantValue SignatureTuple(GpgSignature sig) => GVariantValue.Box(GVariantValue.Tuple(
        GVariantValue.Bool(sig.Valid), GVariantValue.Bool(sig.SigExpired), GVariantValue.Bool(sig.KeyExpired),
        GVariantValue.Bool(sig.KeyRevoked), GVariantValue.Bool(sig.KeyMissing), Str(sig.Fingerprint),
        new GVNumber('x', (ulong)sig.Timestamp), new GVNumber('x', (ulong)sig.ExpTimestamp), Str(sig.PubkeyAlgo),
        Str(sig.HashAlgo), Str(sig.UserName), Str(sig.UserEmail), Str(sig.PrimaryFingerprint)));
}
