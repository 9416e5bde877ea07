// The parts of the host verbs that are pure functions of their input: reading revisions and
// refspecs as rpm-ostree does, kernel argument edits in rpm-ostree's order and with its
// exact-match rules, and the status text layout (alignment, wrapping, signatures, pins).
using Arbor.Ostree;
using Arbor.Ostree.GVariant;

namespace Arbor.Host.Tests;

public class RefspecTests
{
    private const string Csum = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData(Csum, true, Csum)]
    [InlineData("revision=" + Csum, true, Csum)]
    [InlineData("REVISION=" + Csum, true, Csum)]
    [InlineData("version=" + Csum, false, Csum)]
    [InlineData("36.20220101.0", false, "36.20220101.0")]
    [InlineData("Version=1.0", false, "1.0")]
    [InlineData("other=1", false, "other=1")]
    public void ParseRevisionReadsPrefixesAndChecksums(string input, bool isChecksum, string value) =>
        Assert.Equal((isChecksum, value), Refspecs.ParseRevision(input));

    [Fact]
    public void ARevisionPrefixDemandsAChecksum()
    {
        var e = Assert.Throws<OstreeException>(() => Refspecs.ParseRevision("revision=1.0"));
        Assert.Equal("Parsing revision 'revision=1.0': Invalid checksum of length 3 expected 64", e.Message);
    }

    [Theory]
    [InlineData("fedora:fedora/x86_64/coreos/stable", RefspecKind.Ostree)]
    [InlineData("debian/one", RefspecKind.Ostree)]
    [InlineData(Csum, RefspecKind.Checksum)]
    [InlineData("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", RefspecKind.Ostree)]
    [InlineData("ostree-unverified-registry:quay.io/fedora/fedora-coreos:stable", RefspecKind.Container)]
    [InlineData("ostree-image-signed:docker://quay.io/x/y", RefspecKind.Container)]
    public void ClassifyTellsRefsChecksumsAndImagesApart(string refspec, RefspecKind kind) =>
        Assert.Equal(kind, Refspecs.Classify(refspec));
}

public class KargsTests
{
    private static string[] Edit(string existing, KargsEdits edits) => Kargs.Apply(existing, edits) ?? throw new InvalidOperationException("unchanged");

    [Fact]
    public void EditsApplyInRpmOstreeOrder()
    {
        var result = Edit("root=/dev/vda1 quiet console=tty0 console=ttyS0", new KargsEdits
        {
            Delete = ["console=tty0"],
            Append = ["foo=bar", "quiet"],
        });
        Assert.Equal(["root=/dev/vda1", "quiet", "console=ttyS0", "foo=bar", "quiet"], result);
    }

    [Fact]
    public void ReplaceTakesANewValueOrAnOldNewPair()
    {
        Assert.Equal(["root=/dev/vdb", "console=a", "console=c"],
            Edit("root=/dev/vda console=a console=b", new KargsEdits { Replace = ["root=/dev/vdb", "console=b=c"] }));
        var e = Assert.Throws<OstreeException>(() => Edit("console=a console=b", new KargsEdits { Replace = ["console=c"] }));
        Assert.Equal("Multiple values for key 'console' found", e.Message);
    }

    [Fact]
    public void IfMissingAndIfPresentMatchWholeArguments()
    {
        // "quiet" is present, "quiet=1" is not: rpm-ostree compares the whole KEY=VALUE string.
        Assert.Equal(["quiet", "quiet=1"], Edit("quiet", new KargsEdits { AppendIfMissing = ["quiet", "quiet=1"] }));
        Assert.Null(Kargs.Apply("quiet", new KargsEdits { AppendIfMissing = ["quiet"], DeleteIfPresent = ["splash"] }));
        Assert.Equal(["a=1"], Edit("a=1 b", new KargsEdits { DeleteIfPresent = ["b", "a=2"] }));
    }

    [Fact]
    public void DeletingAMissingKeyIsAnError()
    {
        var e = Assert.Throws<OstreeException>(() => Edit("quiet", new KargsEdits { Delete = ["splash"] }));
        Assert.Equal("No key 'splash' found", e.Message);
    }
}

public class StatusTextTests
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
