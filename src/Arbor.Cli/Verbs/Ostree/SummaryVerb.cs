// `ostree summary -u [--add-metadata=KEY=VALUE]…`, `summary --view`, `--raw`, `--list-metadata-keys`,
// `--print-metadata-key=KEY`.
using Arbor.Ostree;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Repo;

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class SummaryVerb : OstreeVerb
{
    public override string Name => "summary";
    public override string Summary => "Manage summary metadata";

    protected override IReadOnlyList<OptionSpec> VerbOptions =>
    [
        new("update", 'u', OptionArg.None, "Update the summary"),
        new("view", '\0', OptionArg.None, "View the local summary file"),
        new("raw", '\0', OptionArg.None, "View the raw bytes of the summary file"),
        new("list-metadata-keys", '\0', OptionArg.None, "List the available metadata keys"),
        new("print-metadata-key", '\0', OptionArg.String, "Print string value of metadata key", "KEY"),
        new("add-metadata", 'm', OptionArg.StringArray, "Additional metadata field to add to the summary", "KEY=VALUE"),
        new("gpg-sign", '\0', OptionArg.StringArray, "GPG Key ID to sign the summary with", "KEY-ID"),
        new("gpg-homedir", '\0', OptionArg.String, "GPG Homedir to use when looking for keyrings", "HOMEDIR"),
        new("sign", '\0', OptionArg.StringArray, "Key ID to sign the summary with", "KEY-ID"),
        new("sign-type", '\0', OptionArg.String, "Signature type to use (defaults to 'ed25519')", "NAME"),
    ];

    public override int Run(VerbContext ctx)
    {
        var repo = ctx.Repo;
        var a = ctx.Args;
        if (a.Has("update"))
        {
            var extra = new List<KeyValuePair<string, GVariantValue>>();
            foreach (var kv in a.GetAll("add-metadata"))
            {
                int eq = kv.IndexOf('=');
                if (eq <= 0)
                    throw new OstreeException($"Missing '=' in KEY=VALUE metadata '{kv}'");
                extra.Add(new(kv[..eq], GVariantParser.Parse(kv[(eq + 1)..])));
            }
            using var _ = RepoLock.Acquire(repo, exclusive: false);
            var generated = Arbor.Ostree.Repo.Summary.Generate(repo, extra);
            // As ostree does: pullers find deltas left out of the summary through the indexes.
            Arbor.Ostree.Deltas.DeltaIndexes.Reindex(repo, null);
            generated.WriteTo(repo);
            var gpgKeys = a.GetAll("gpg-sign").ToList();
            if (gpgKeys.Count > 0)
                Arbor.Ostree.Signing.GpgSigning.SignSummary(repo, gpgKeys, a.Get("gpg-homedir"));
            var signKeys = a.GetAll("sign").ToList();
            if (signKeys.Count > 0)
            {
                if ((a.Get("sign-type") ?? "ed25519") != "ed25519")
                    throw new OstreeException($"Requested signature type is not implemented: {a.Get("sign-type")}");
                Arbor.Ostree.Signing.Ed25519Signing.SignSummary(repo, signKeys.Select(Arbor.Ostree.Signing.Ed25519Keys.ParseSecret).ToList());
            }
            return 0;
        }
        var path = Path.Combine(repo.Path, "summary");
        if (!File.Exists(path))
            throw new OstreeException($"No summary file in repository {repo.Path} (run summary -u)");
        var bytes = File.ReadAllBytes(path);
        var summary = Arbor.Ostree.Repo.Summary.Parse(bytes, path);
        if (a.Get("print-metadata-key") is { } key)
        {
            var v = summary.GetMetadata(key) ?? throw new OstreeException($"No such metadata key ‘{key}’");
            ctx.Out.WriteLine(v.Print());
            return 0;
        }
        if (a.Has("list-metadata-keys"))
        {
            foreach (var (k, _) in summary.Metadata)
                ctx.Out.WriteLine(k);
            return 0;
        }
        if (a.Has("raw"))
        {
            ctx.Out.WriteLine(new GVariantView(Arbor.Ostree.Repo.Summary.Type, bytes).ToValue().Print());
            return 0;
        }
        if (a.Has("view"))
        {
            ctx.Out.Write(OstreeText.View(summary));
            return 0;
        }
        throw new UsageException("No option specified; use -u to update summary");
    }
}
