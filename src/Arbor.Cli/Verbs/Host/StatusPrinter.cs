// `arbor status`: rpm-ostree's status, text and --json, rendered from the deployment dictionaries
// the host engine returns (HostStatus.Collect, built by DeploymentVariant). Text: "State: idle", then each deployment with ● for the booted one,
// its refspec (or checksum), and key/value lines right-aligned on rpm-ostree's widest key
// ("InactiveRemoteOverrides") — Version or Timestamp, Commit, StateRoot when there are several,
// GPGSignature when the remote verifies, requested packages and overrides, Initramfs, Pinned,
// Unlocked, EndOfLife. --json: {"deployments", "transaction", "cached-update", "update-driver"},
// laid out as json-glib writes it (GVariantJson). -b limits both to the booted deployment.
using System.Globalization;
using System.Text;
using Arbor.Host;
using Arbor.Ostree.GVariant;

namespace Arbor.Cli.Verbs.Host;

/// <summary>How status prints.</summary>
internal sealed record StatusOptions
{
    /// <summary>-v: index, Staged, StateRoot, AutomaticUpdates and inactive requests.</summary>
    public bool Verbose { get; init; }

    /// <summary>-b: only the booted deployment.</summary>
    public bool BootedOnly { get; init; }

    /// <summary>Output goes to a terminal: bold versions and terminal-width wrapping.</summary>
    public bool Terminal { get; init; }

    /// <summary>Terminal width for wrapping package lists.</summary>
    public int Columns { get; init; } = 80;

    /// <summary>The locale is UTF-8: ● and └─ rather than * and `-.</summary>
    public bool Utf8 { get; init; }
}

/// <summary>Prints status.</summary>
internal static class StatusPrinter
{
    // rpm-ostree aligns every key on its longest ones.
    private const int MaxKeyLen = 23;

    /// <summary>A commit timestamp as rpm-ostree prints it ("2021-02-01T00:00:00Z"), or "(invalid timestamp)"
    /// past what GDateTime represents (year 9999): a commit's timestamp is whatever its builder wrote.</summary>
    public static string Timestamp(ulong secs) => !Arbor.Ostree.GlibTime.InRange(secs)
        ? "(invalid timestamp)"
        : DateTimeOffset.FromUnixTimeSeconds((long)secs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The --json document (json-glib's layout; no trailing newline, as rpm-ostree writes it).</summary>
    public static string Json(IReadOnlyList<List<KeyValuePair<string, GVariantValue>>> deployments)
    {
        var array = new GVArray(GVariantType.VarDict, deployments.Select(d => (GVariantValue)ToVarDict(d)).ToList());
        return GVariantJson.Object([("deployments", array), ("transaction", null), ("cached-update", null), ("update-driver", null)]);
    }

    private static GVArray ToVarDict(List<KeyValuePair<string, GVariantValue>> d) =>
        new(GVariantType.Parse("{sv}"), d.Select(kv => (GVariantValue)new GVDictEntry(GVariantValue.Str(kv.Key), GVariantValue.Box(kv.Value))).ToList());

    /// <summary>The text form.</summary>
    public static string Text(IReadOnlyList<List<KeyValuePair<string, GVariantValue>>> deployments, StatusOptions options)
    {
        var sb = new StringBuilder();
        sb.Append("State: idle\n");
        if (options.Verbose)
            sb.Append("AutomaticUpdates: disabled\n");
        sb.Append(options.BootedOnly ? "BootedDeployment:\n" : "Deployments:\n");
        var dicts = deployments.Select(d => d.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal)).ToList();
        bool multipleStateroots = dicts.Select(d => Str(d, "osname")).Distinct(StringComparer.Ordinal).Count() > 1;
        for (int i = 0; i < dicts.Count; i++)
            PrintOne(sb, dicts[i], i, multipleStateroots, options);
        return sb.ToString();
    }

    private static void PrintOne(StringBuilder sb, Dictionary<string, GVariantValue> d, int index, bool multipleStateroots, StatusOptions o)
    {
        bool booted = Bool(d, "booted");
        if (index > 0 && !o.BootedOnly)
            sb.Append('\n');
        sb.Append(booted ? (o.Utf8 ? "● " : "* ") : "  ");
        var origin = Str(d, "origin");
        var checksum = Str(d, "checksum")!;
        var kind = origin is null ? RefspecKind.Checksum : Refspecs.Classify(origin);
        var customUrl = d.TryGetValue("custom-origin", out var co) && co is GVTuple t ? ((GVString)t.Members[0]).Value : null;
        var customDesc = co is GVTuple t2 ? ((GVString)t2.Members[1]).Value : null;
        sb.Append(kind == RefspecKind.Checksum && customUrl is { Length: > 0 } ? customUrl : origin ?? checksum);
        if (o.Verbose)
            sb.Append(CultureInfo.InvariantCulture, $" (index: {index})");
        sb.Append('\n');
        if (customDesc is { Length: > 0 })
            Kv(sb, "CustomOrigin", customDesc);
        if (Str(d, "remote-error") is { } remoteError)
            Kv(sb, "OstreeRemoteStatus", remoteError);

        var baseChecksum = Str(d, "base-checksum");
        var meta = d.TryGetValue("base-commit-meta", out var m) && m is GVArray ma
            ? ma.Items.OfType<GVDictEntry>().ToDictionary(e => ((GVString)e.Key).Value, e => ((GVVariant)e.Value).Inner, StringComparer.Ordinal)
            : [];
        if (meta.TryGetValue("ostree.source-title", out var title) && title is GVString st)
            sb.Append("  ").Append(o.Utf8 ? "└─" : "`-").Append(' ').Append(st.Value).Append('\n');
        ulong ts = Num(d, baseChecksum is not null ? "base-timestamp" : "timestamp");
        var tsText = Timestamp(ts);
        var version = Str(d, "version");
        if (version is null)
            Kv(sb, "Timestamp", tsText);
        else
            Kv(sb, "Version", (o.Terminal ? "\u001b[1m" : "") + version + (o.Terminal ? "\u001b[0m" : "") + $" ({tsText})");

        bool ostreeOrVerbose = o.Verbose || kind == RefspecKind.Ostree;
        if (baseChecksum is not null && ostreeOrVerbose)
        {
            Kv(sb, "BaseCommit", baseChecksum);
            if (o.Verbose)
                Kv(sb, "Commit", checksum);
        }
        else if (ostreeOrVerbose)
        {
            Kv(sb, "Commit", checksum);
        }
        if (o.Verbose && (Bool(d, "staged") || index == 0))
            Kv(sb, "Staged", Bool(d, "staged") ? "yes" : "no");
        if (o.Verbose || multipleStateroots)
            Kv(sb, "StateRoot", Str(d, "osname")!);
        if (Bool(d, "gpg-enabled"))
            PrintGpg(sb, d, o.Verbose);

        var packages = Strv(d, "packages");
        if (o.Verbose)
        {
            Values(sb, "InactiveBaseRemovals", Strv(d, "requested-base-removals"), [], o);
            Values(sb, "InactiveRequests", Strv(d, "requested-packages").Except(packages, StringComparer.Ordinal).ToArray(), [], o);
        }
        Values(sb, "LayeredPackages", packages, [], o);
        Values(sb, "LocalPackages", Strv(d, "requested-local-packages"), [], o);
        Values(sb, "LocalForcedPackages", Strv(d, "requested-local-fileoverride-packages"), [], o);
        if (Bool(d, "regenerate-initramfs"))
        {
            var args = Strv(d, "initramfs-args");
            Kv(sb, "Initramfs", args.Length == 0 ? "regenerate" : string.Concat(args.Select(a => ShellQuote(a) + " ")));
        }
        if (Bool(d, "cliwrap"))
            Kv(sb, "Cliwrap", "enabled");
        Values(sb, "InitramfsEtc", Strv(d, "initramfs-etc"), [], o);
        if (Bool(d, "pinned"))
            Kv(sb, "Pinned", "yes");
        if (Str(d, "unlocked") is { } unlocked && unlocked != "none")
            Kv(sb, "Unlocked", unlocked);
        if (Str(d, "endoflife") is { } eol)
            Kv(sb, "EndOfLife", eol);
    }

    // rpmostree_print_gpg_info: one line per signature, or "(unsigned)".
    private static void PrintGpg(StringBuilder sb, Dictionary<string, GVariantValue> d, bool verbose)
    {
        if (!d.TryGetValue("signatures", out var sigs) || sigs is not GVArray { Items.Count: > 0 } arr)
        {
            Kv(sb, "GPGSignature", "(unsigned)");
            return;
        }
        var pad = new string(' ', MaxKeyLen + 2 + 2);
        if (verbose)
            Kv(sb, "GPGSignature", $"{arr.Items.Count} signature{(arr.Items.Count == 1 ? "" : "s")}");
        else
            sb.Append("  ").Append("GPGSignature".PadLeft(MaxKeyLen)).Append(": ");
        for (int i = 0; i < arr.Items.Count; i++)
        {
            var tuple = (GVTuple)((GVVariant)arr.Items[i]).Inner;
            bool valid = ((GVNumber)tuple.Members[0]).Bits != 0;
            bool keyMissing = ((GVNumber)tuple.Members[4]).Bits != 0;
            var fingerprint = ((GVString)tuple.Members[5]).Value;
            if (i > 0 || verbose)
                sb.Append(pad);
            sb.Append(keyMissing
                ? $"Can't check signature: public key {fingerprint} not found\n"
                : $"{(valid ? "Valid" : "Invalid")} signature by {fingerprint}\n");
        }
    }

    private static void Kv(StringBuilder sb, string key, string value) =>
        sb.Append("  ").Append(key.PadLeft(MaxKeyLen)).Append(key.Length > 0 ? ':' : ' ').Append(' ').Append(value).Append('\n');

    // print_values: sorted case-insensitively, wrapped to the terminal's text area.
    private static void Values(StringBuilder sb, string key, string[] values, string[] omit, StatusOptions o)
    {
        var list = values.Where(v => !omit.Contains(v, StringComparer.Ordinal)).Select(ShellQuote)
            .OrderBy(v => v, StringComparer.OrdinalIgnoreCase).ToList();
        if (list.Count == 0)
            return;
        int rightSide = MaxKeyLen + 2 + 2;
        int area = rightSide >= o.Columns ? int.MaxValue : Math.Max(64, o.Columns - rightSide);
        sb.Append("  ").Append(key.PadLeft(MaxKeyLen)).Append(": ");
        int width = 0;
        foreach (var v in list)
        {
            if (width == 0)
            {
                sb.Append(v);
                width = v.Length;
            }
            else if (width + v.Length + 1 <= area)
            {
                sb.Append(' ').Append(v);
                width += v.Length + 1;
            }
            else
            {
                sb.Append('\n').Append("  ").Append(' ', MaxKeyLen).Append("  ").Append(v);
                width = v.Length;
            }
        }
        sb.Append('\n');
    }

    // rpm-ostree quotes values that a shell would split.
    private static string ShellQuote(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:+,@%^".Contains(c)) ? s : "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string? Str(Dictionary<string, GVariantValue> d, string key) => d.TryGetValue(key, out var v) && v is GVString s ? s.Value : null;

    private static bool Bool(Dictionary<string, GVariantValue> d, string key) => d.TryGetValue(key, out var v) && v is GVNumber { Kind: 'b' } n && n.Bits != 0;

    private static ulong Num(Dictionary<string, GVariantValue> d, string key) => d.TryGetValue(key, out var v) && v is GVNumber n ? n.Bits : 0;

    private static string[] Strv(Dictionary<string, GVariantValue> d, string key) =>
        d.TryGetValue(key, out var v) && v is GVArray a ? a.Items.OfType<GVString>().Select(s => s.Value).ToArray() : [];
}
