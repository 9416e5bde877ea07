using Arbor.Compose.Import;

namespace Arbor.Compose.Tests.Import;

public class OstreePathsTests
{
    [Theory]
    [InlineData("etc", "usr/etc")]
    [InlineData("etc/foo.conf", "usr/etc/foo.conf")]
    [InlineData("boot/vmlinuz", "usr/lib/ostree-boot/vmlinuz")]
    [InlineData("opt", "usr/lib/opt")]
    [InlineData("opt/app/bin/x", "usr/lib/opt/app/bin/x")]
    [InlineData("var/lib/alternatives", "usr/lib/alternatives")]
    [InlineData("var/lib/alternatives/python", "usr/lib/alternatives/python")]
    [InlineData("var/lib/vagrant", "usr/lib/vagrant")]
    [InlineData("var/lib/selinux/targeted/x", "usr/etc/selinux/targeted/x")]
    [InlineData("var/lib/foo", "var/lib/foo")]
    [InlineData("usr/bin/x", "usr/bin/x")]
    [InlineData("etcetera", "etcetera")]
    public void Paths_translate_as_rpm_ostree_translates_them(string from, string to) => Assert.Equal(to, OstreePaths.Translate(from));

    [Theory]
    [InlineData("/", true)]
    [InlineData("/usr", true)]
    [InlineData("/usr/local/bin/x", true)]
    [InlineData("/bin/sh", true)]
    [InlineData("/lib64/ld.so", true)]
    [InlineData("/srv/x", false)]
    [InlineData("/home/u", false)]
    [InlineData("/tmp", false)]
    [InlineData("/opt/x", false)]
    public void Allowed_roots(string path, bool ok) => Assert.Equal(ok, OstreePaths.IsCompliant(path));

    [Fact]
    public void Tmpfiles_lines_quote_odd_paths_and_move_var_run()
    {
        Assert.Equal("d /var/lib/foo 0750 foo bar - -", OstreePaths.TmpfilesDirectory("/var/lib/foo", 0x41E8, "foo", "bar"));
        Assert.Equal("d /run/foo 0755 root root - -", OstreePaths.TmpfilesDirectory("/var/run/foo", 0x41ED, "root", "root"));
        Assert.Equal("d '/var/lib/a b' 1777 root root - -", OstreePaths.TmpfilesDirectory("/var/lib/a b", 0x43FF, "root", "root"));
        Assert.Equal("L /var/mail - - - - spool/mail", OstreePaths.TmpfilesSymlink("/var/mail", "spool/mail"));
        Assert.Equal("'it'\\''s'", OstreePaths.ShellQuote("it's"));
    }
}
