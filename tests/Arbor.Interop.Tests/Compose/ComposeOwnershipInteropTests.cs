// File ownership through `arbor compose tree`, judged by the real tools: a package built by the
// real rpmbuild with a setuid-root binary, a file owned by a user its %pre creates, and a file
// with %caps is composed into the sample OS; `ostree ls` of the commit must show the owners and
// modes, getcap on a checkout the capability, and rpm -V (reading the commit's rpmdb) must find
// those files as the package describes them. The sample tree has no useradd (Debian's static
// busybox leaves adduser out), so %pre appends the entries the way useradd would.
namespace Arbor.Interop.Tests.Compose;

/// <summary>The sample RPMs in a scratch directory of their own (fixture roots are named by type).</summary>
public sealed class ComposeOwnershipFixture : ComposeFixture;

public sealed class ComposeOwnershipInteropTests(ComposeOwnershipFixture fx) : IClassFixture<ComposeOwnershipFixture>
{
    private const string Ref = "sample/x86_64/hybrid";

    private string BuildOwnedPackage(string dir)
    {
        var rpmbuild = Tools.Require("rpmbuild", "apt-get install -y rpm");
        var top = Path.Combine(dir, "rpmbuild");
        Directory.CreateDirectory(top);
        var spec = Path.Combine(top, "owned.spec");
        File.WriteAllText(spec, """
            Name: owned
            Version: 1.0
            Release: 1
            Summary: files with owners, setuid and capabilities
            License: MIT
            BuildArch: noarch
            AutoReqProv: no

            %description
            Ownership test package.

            %pre
            grep -q '^svcgrp:' /etc/group || echo 'svcgrp:x:975:' >> /etc/group
            grep -q '^svcuser:' /etc/passwd || echo 'svcuser:x:981:975:service:/var/lib/svc:/bin/sh' >> /etc/passwd

            %install
            mkdir -p %{buildroot}/usr/bin %{buildroot}/usr/share/owned
            echo suid > %{buildroot}/usr/bin/owned-suid
            echo ping > %{buildroot}/usr/bin/owned-ping
            echo data > %{buildroot}/usr/share/owned/data

            %files
            %attr(4755,root,root) /usr/bin/owned-suid
            %caps(cap_net_raw=ep) %attr(0755,root,root) /usr/bin/owned-ping
            %attr(0640,svcuser,svcgrp) /usr/share/owned/data
            """);
        Tools.RunOk(rpmbuild, "-bb", "--define", $"_topdir {top}", "--define", "_build_id_links none", spec);
        return Path.Combine(top, "RPMS", "noarch", "owned-1.0-1.noarch.rpm");
    }

    [Fact]
    public void Owners_setuid_and_capabilities_reach_the_commit_as_rpm_describes_them()
    {
        Assert.True(Tools.Run("id", "-u").Stdout.Trim() == "0", "composing with file ownership needs root");
        string work = fx.NewDir("owned");
        string rpms = Path.Combine(work, "rpms");
        Directory.CreateDirectory(rpms);
        foreach (string rpm in Directory.GetFiles(fx.RpmRepo, "*.rpm"))
            File.Copy(rpm, Path.Combine(rpms, Path.GetFileName(rpm)));
        string owned = BuildOwnedPackage(work);
        File.Copy(owned, Path.Combine(rpms, Path.GetFileName(owned)));
        Tools.RunOk(Tools.Require("createrepo_c", "apt-get install -y createrepo-c"), rpms);

        string treefile = fx.Treefile("tf-owned", packages: "[filesystem, busybox, hello, kernel-sample, owned]");
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(treefile)!, "sample.repo"),
            $"[sample]\nname=Sample\nbaseurl=file://{rpms}\ngpgcheck=0\n");
        string repo = fx.NewRepo("repo-owned");
        var first = Tools.ArborOk("compose", "tree", "--repo=" + repo, "--cachedir=" + fx.NewDir("cache-owned"), treefile);

        string Ls(string path) => Tools.OstreeOk("--repo=" + repo, "ls", Ref, path).Stdout.Trim();
        Assert.Matches(@"^-04755 0 0 +5 /usr/bin/owned-suid$", Ls("/usr/bin/owned-suid"));
        Assert.Matches(@"^-00640 981 975 +5 /usr/share/owned/data$", Ls("/usr/share/owned/data"));
        Assert.Matches(@"^-00755 0 0 +5 /usr/bin/owned-ping$", Ls("/usr/bin/owned-ping"));

        string checkout = Path.Combine(fx.NewDir("co-owned"), "root");
        Tools.OstreeOk("--repo=" + repo, "checkout", Ref, checkout);
        var getcap = Tools.RunOk(Tools.Require("getcap", "apt-get install -y libcap2-bin"), Path.Combine(checkout, "usr/bin/owned-ping"));
        Assert.Equal($"{Path.Combine(checkout, "usr/bin/owned-ping")} cap_net_raw=ep", getcap.Stdout.Trim());

        // The users went to /usr/lib, root stayed in /etc, as rpm-ostree composes them.
        string usrLibPasswd = File.ReadAllText(Path.Combine(checkout, "usr/lib/passwd"));
        Assert.Contains("svcuser:x:981:975:service:/var/lib/svc:/bin/sh\n", usrLibPasswd, StringComparison.Ordinal);
        Assert.Equal("root:x:0:0:root:/root:/bin/sh\n", File.ReadAllText(Path.Combine(checkout, "usr/etc/passwd")));
        Assert.Contains("svcgrp:x:975:\n", File.ReadAllText(Path.Combine(checkout, "usr/lib/group")), StringComparison.Ordinal);

        // A second compose starts from the previous commit's users (preserve-passwd): %pre finds
        // svcuser already there, the ids stay, check-passwd against the previous commit passes.
        var again = Tools.ArborOk("compose", "tree", "--repo=" + repo, "--force-nocache", "--cachedir=" + fx.NewDir("cache-owned-2"), treefile);
        Assert.Contains("New passwd entries:", first.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("New passwd entries:", again.Stdout, StringComparison.Ordinal);
        string checkoutAgain = Path.Combine(fx.NewDir("co-owned-2"), "root");
        Tools.OstreeOk("--repo=" + repo, "checkout", Ref, checkoutAgain);
        Assert.Equal(usrLibPasswd, File.ReadAllText(Path.Combine(checkoutAgain, "usr/lib/passwd")));
        Assert.Matches(@"^-00640 981 975 +5 /usr/share/owned/data$", Ls("/usr/share/owned/data"));

        // rpm resolves owner names in the root's /etc; a booted system finds /usr/lib's through
        // nss-altfiles, so the checkout gets /etc files holding both before rpm -V looks.
        string etc = Path.Combine(checkout, "etc");
        Directory.CreateDirectory(etc);
        foreach (string name in new[] { "passwd", "group" })
        {
            File.WriteAllText(Path.Combine(etc, name),
                File.ReadAllText(Path.Combine(checkout, "usr/etc", name)) + File.ReadAllText(Path.Combine(checkout, "usr/lib", name)));
        }
        // Checkouts carry ostree's fixed mtime, so rpm's time check is left out.
        var verify = Tools.Run("rpm", "--root", checkout, "--dbpath", "/usr/share/rpm", "-V", "--nomtime", "owned");
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Equal("", verify.Stdout.Trim());
    }
}
