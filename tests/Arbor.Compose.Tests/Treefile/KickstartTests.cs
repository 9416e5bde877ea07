// Kickstart treefiles: the %packages/%include subset rpm-ostree accepts, on its own or included
// from a YAML treefile.
namespace Arbor.Compose.Tests.Treefile;

public class KickstartTests
{
    [Fact]
    public void Packages_excludes_and_includes_are_read()
    {
        using var dir = new TreefileDir();
        dir.Write("main.ks", "# comment\n%include sub/more.ks\n\n%packages\nsystemd\n-bash\nnushell\n%end\n");
        dir.Write("sub/more.ks", "%packages --exclude-weakdeps\nkernel\n  # indented, so a package line\n%end\n");
        var t = dir.Load("main.ks");
        Assert.Equal(["# indented, so a package line", "kernel", "nushell", "systemd"], t.Packages);
        Assert.Equal(["bash"], t.ExcludePackages);
        Assert.False(t.Recommends);
        Assert.Equal("{\n  \"packages\": [\n    \"# indented, so a package line\",\n    \"kernel\",\n    \"nushell\",\n    \"systemd\"\n  ],\n  \"exclude-packages\": [\n    \"bash\"\n  ],\n  \"recommends\": false\n}", t.ToJson());
    }

    [Fact]
    public void A_yaml_treefile_can_include_a_kickstart()
    {
        using var dir = new TreefileDir();
        dir.Write("main.yaml", "ref: r\npackages: [a]\ninclude: base.ks\n");
        dir.Write("base.ks", "%packages\nks-pkg\n-unwanted\n%end\n");
        var t = dir.Load("main.yaml");
        Assert.Equal(["a", "ks-pkg"], t.Packages);
        Assert.Equal(["unwanted"], t.ExcludePackages);
        Assert.True(t.Recommends);
    }

    [Theory]
    [InlineData("lang en_US\n", "line 1: unhandled kickstart verb 'lang'")]
    [InlineData("%packages\nfoo\n", "line 1: missing %end")]
    [InlineData("%packages --nocore\n%end\n", "line 1: %packages does not take '--nocore'")]
    [InlineData("%include\n", "line 1: %include takes exactly one path")]
    [InlineData("%include /etc/x.ks\n", "only paths below")]
    [InlineData("%include ../x.ks\n", "only paths below")]
    [InlineData("%include self.ks\n", "recursive %include")]
    [InlineData("%include 'open\n", "unterminated quote")]
    public void Bad_kickstarts_are_errors_naming_the_line(string text, string message)
    {
        using var dir = new TreefileDir();
        dir.Write("self.ks", text);
        Assert.Contains(message, Assert.Throws<FormatException>(() => dir.Load("self.ks")).Message, StringComparison.Ordinal);
    }
}
