// The status text layout of `arbor status` (rendered by the CLI from the deployment dictionaries
// the host engine returns): alignment on rpm-ostree's widest key, wrapping, signatures, pins.
using Arbor.Cli.Verbs.Host;
using Arbor.Ostree.GVariant;

namespace Arbor.Cli.Tests;

public sealed class StatusTextTests
{
    private const string Csum = "f00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeed";

    private static List<KeyValuePair<string, GVariantValue>> Deployment(params (string Key, GVariantValue Value)[] extra)
    {
        var d = new List<KeyValuePair<string, GVariantValue>>
        {
            new("osname", GVariantValue.Str("fedora")),
            new("checksum", GVariantValue.Str(Csum)),
            new("origin", GVariantValue.Str("fedora:fedora/x86_64/coreos/stable")),
            new("timestamp", GVariantValue.U64(1700000000)),
            new("base-commit-meta", new GVArray(GVariantType.Parse("{sv}"), [])),
        };
        d.AddRange(extra.Select(e => new KeyValuePair<string, GVariantValue>(e.Key, e.Value)));
        return d;
    }

    [Fact]
    public void BootedDeploymentWithVersionSignatureAndPackages()
    {
        var sig = GVariantValue.Box(GVariantValue.Tuple(GVariantValue.Bool(true), GVariantValue.Bool(false), GVariantValue.Bool(false),
            GVariantValue.Bool(false), GVariantValue.Bool(false), GVariantValue.Str("ABCDEF0123456789")));
        var text = StatusPrinter.Text([Deployment(
            ("booted", GVariantValue.Bool(true)), ("version", GVariantValue.Str("39.1")),
            ("gpg-enabled", GVariantValue.Bool(true)), ("signatures", new GVArray(GVariantType.Variant, [sig])),
            ("packages", GVariantValue.StrArray(["vim", "htop", "Git"])), ("pinned", GVariantValue.Bool(true)))],
            new StatusOptions { Utf8 = true });
        Assert.Equal(
            "State: idle\nDeployments:\n" +
            "● fedora:fedora/x86_64/coreos/stable\n" +
            "                  Version: 39.1 (2023-11-14T22:13:20Z)\n" +
            $"                   Commit: {Csum}\n" +
            "             GPGSignature: Valid signature by ABCDEF0123456789\n" +
            "          LayeredPackages: Git htop vim\n" +
            "                   Pinned: yes\n", text);
    }

    [Fact]
    public void ATimestampPastYear9999IsShownInvalidNotThrown()
    {
        var d = Deployment();
        d[3] = new("timestamp", GVariantValue.U64(ulong.MaxValue));
        var text = StatusPrinter.Text([d], new StatusOptions());
        Assert.Contains("Timestamp: (invalid timestamp)\n", text, StringComparison.Ordinal);
        Assert.Equal("2023-11-14T22:13:20Z", StatusPrinter.Timestamp(1700000000));
    }

    [Fact]
    public void LongPackageListsWrapToTheTerminal()
    {
        var names = Enumerable.Range(0, 12).Select(i => $"package-number-{i:D2}").ToArray();
        var text = StatusPrinter.Text([Deployment(("packages", GVariantValue.StrArray(names)))], new StatusOptions { Columns = 100 });
        var lines = text.Split('\n').SkipWhile(l => !l.Contains("LayeredPackages", StringComparison.Ordinal)).TakeWhile(l => l.Length > 0).ToList();
        Assert.True(lines.Count > 1);
        // 100 columns leave 73 for values: four 17-character names per line.
        Assert.Equal("          LayeredPackages: package-number-00 package-number-01 package-number-02 package-number-03", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.StartsWith(new string(' ', 27) + "package-number-", l, StringComparison.Ordinal));
    }

    [Fact]
    public void ChecksumOriginsAndSeveralStaterootsShowTheirKeys()
    {
        var pinned = Deployment(("custom-origin", GVariantValue.Tuple(GVariantValue.Str("https://example.com/os"), GVariantValue.Str("Example OS 1"))));
        pinned[2] = new("origin", GVariantValue.Str(Csum));
        var other = Deployment(("version", GVariantValue.Str("1")));
        other[0] = new("osname", GVariantValue.Str("rhcos"));
        var text = StatusPrinter.Text([pinned, other], new StatusOptions());
        Assert.Equal(
            "State: idle\nDeployments:\n" +
            "  https://example.com/os\n" +
            "             CustomOrigin: Example OS 1\n" +
            "                Timestamp: 2023-11-14T22:13:20Z\n" +
            "                StateRoot: fedora\n\n" +
            "  fedora:fedora/x86_64/coreos/stable\n" +
            "                  Version: 1 (2023-11-14T22:13:20Z)\n" +
            $"                   Commit: {Csum}\n" +
            "                StateRoot: rhcos\n", text);
    }
}
