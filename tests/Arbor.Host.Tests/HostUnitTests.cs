// The parts of the host verbs that are pure functions of their input: reading revisions and
// refspecs as rpm-ostree does, kernel argument edits in rpm-ostree's order and with its
// exact-match rules (the status text layout is rendered, and tested, in the CLI).
using Arbor.Ostree;

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
