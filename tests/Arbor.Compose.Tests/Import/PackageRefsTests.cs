using Arbor.Compose.Import;

namespace Arbor.Compose.Tests.Import;

public class PackageRefsTests
{
    // rpm-ostree's own examples (hybrid.md §1; rust/src/rpmutils.rs tests).
    [Theory]
    [InlineData("rpmostree/pkg/foo/1.0-1.x86__64", "foo-1.0-1.x86_64")]
    [InlineData("rpmostree/pkg/git/1.8.3.1-6.el7__2.1.x86__64", "git-1.8.3.1-6.el7_2.1.x86_64")]
    [InlineData("rpmostree/pkg/perl/4_3A5.16.3-291.el7.x86__64", "perl-4:5.16.3-291.el7.x86_64")]
    [InlineData("rpmostree/pkg/perl-Error/1_3A0.17020-2.el7.noarch", "perl-Error-1:0.17020-2.el7.noarch")]
    [InlineData("rpmostree/pkg/vim-enhanced/2_3A7.4.160-1.el7__3.1.x86__64", "vim-enhanced-2:7.4.160-1.el7_3.1.x86_64")]
    public void Refs_decode_to_the_nevra(string refName, string nevra) => Assert.Equal(nevra, PackageRefs.ToNevra(refName));

    [Fact]
    public void Refs_are_built_from_name_epoch_version_release_arch()
    {
        Assert.Equal("rpmostree/pkg/foo/1.0-1.x86__64", PackageRefs.For("foo", null, "1.0", "1", "x86_64"));
        Assert.Equal("rpmostree/pkg/perl/4_3A5.16.3-291.el7.x86__64", PackageRefs.For("perl", 4, "5.16.3", "291.el7", "x86_64"));
        Assert.Equal("rpmostree/pkg/git/1.8.3.1-6.el7__2.1.x86__64", PackageRefs.For("git", null, "1.8.3.1", "6.el7_2.1", "x86_64"));
    }

    [Fact]
    public void An_explicit_zero_epoch_is_dropped()
    {
        Assert.Equal("rpmostree/pkg/foo/1.0-1.noarch", PackageRefs.For("foo", 0, "1.0", "1", "noarch"));
        Assert.Equal("rpmostree/pkg/foo/1.0-1.noarch", PackageRefs.ForEvr("foo", "0:1.0-1", "noarch"));
    }

    [Fact]
    public void Other_bytes_are_hex_escaped_and_come_back()
    {
        var r = PackageRefs.For("libstdc++", null, "1.0~rc1^git", "1", "x86_64");
        Assert.Equal("rpmostree/pkg/libstdc_2B_2B/1.0_7Erc1_5Egit-1.x86__64", r);
        Assert.Equal("libstdc++-1.0~rc1^git-1.x86_64", PackageRefs.ToNevra(r));
    }

    [Theory]
    [InlineData("refs/heads/foo")]
    [InlineData("rpmostree/pkg/foo/1_3-1.noarch")]
    [InlineData("rpmostree/pkg/foo/1_3a-1.noarch")]
    public void Malformed_refs_are_refused(string refName) =>
        Assert.Throws<FormatException>(() => PackageRefs.ToNevra(refName));
}
