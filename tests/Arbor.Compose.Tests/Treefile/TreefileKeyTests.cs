// Every treefile key, read well and read badly: good values land in the typed property (with
// rpm-ostree's defaults when unset), bad ones fail with the file, line and key in the message.
using Arbor.Compose.Treefile;

namespace Arbor.Compose.Tests.Treefile;

public class TreefileKeyTests
{
    private const string Prelude = "ref: r\npackages: [a]\n";

    private static string L(IEnumerable<string> items) => string.Join(",", items);

    private static string Check(PasswdCheck c) => c.Kind switch
    {
        PasswdCheckKind.File => $"file:{c.FileName}",
        PasswdCheckKind.Data => "data:" + string.Join(",", c.Entries.Select(e => $"{e.Key}={e.Value.Uid}/{e.Value.Gid}")),
        _ => c.Kind.ToString(),
    };

    private static string Value(TreefileValue v) => v.Kind switch
    {
        TreefileValueKind.Object => "{" + string.Join(",", v.Members.Select(m => $"{m.Key}:{Value(m.Value)}")) + "}",
        TreefileValueKind.Array => "[" + string.Join(",", v.Items.Select(Value)) + "]",
        _ => $"{v.Kind}:{v.Text}",
    };

    // The property a key lands in, shown as text so one table covers every type.
    private static string Show(Arbor.Compose.Treefile.Treefile t, string property) => property switch
    {
        "ref" => t.Ref ?? "(null)",
        "packages" => L(t.Packages),
        "exclude-packages" => L(t.ExcludePackages),
        "repos" => t.Repos == null ? "(null)" : L(t.Repos),
        "repo-packages" => string.Join(";", t.RepoPackages.Select(r => $"{r.Repo}:{L(r.Packages)}")),
        "lockfile-repos" => L(t.LockfileRepos),
        "releasever" => t.Releasever is { } rv ? $"{rv.Kind}:{rv}" : "(null)",
        "variables" => string.Join(",", t.Variables.Select(v => $"{v.Key}={v.Value.Kind}:{v.Value}")),
        "postprocess" => string.Join("|", t.Postprocess),
        "remove-files" => L(t.RemoveFiles),
        "remove-from-packages" => string.Join(";", t.RemoveFromPackages.Select(L)),
        "units" => L(t.Units),
        "default-target" => t.DefaultTarget ?? "(null)",
        "add-commit-metadata" => string.Join(",", t.AddCommitMetadata.Select(m => $"{m.Key}={Value(m.Value)}")),
        "metadata" => string.Join(",", t.Metadata.Select(m => $"{m.Key}={Value(m.Value)}")),
        "automatic-version-prefix" => t.AutomaticVersionPrefix ?? "(null)",
        "automatic-version-suffix" => t.AutomaticVersionSuffix.ToString(),
        "recommends" => t.Recommends.ToString(),
        "documentation" => t.Documentation.ToString(),
        "install-langs" => L(t.InstallLangs),
        "preserve-passwd" => t.PreservePasswd.ToString(),
        "check-passwd" => Check(t.CheckPasswd),
        "check-groups" => Check(t.CheckGroups),
        "etc-group-members" => L(t.EtcGroupMembers),
        "ignore-removed-users" => L(t.IgnoreRemovedUsers),
        "ignore-removed-groups" => L(t.IgnoreRemovedGroups),
        "container" => t.Container.ToString(),
        "container-cmd" => L(t.ContainerCmd),
        "tmp-is-dir" => t.TmpIsDir.ToString(),
        "machineid-compat" => t.MachineidCompat.ToString(),
        "selinux" => t.Selinux.ToString(),
        "selinux-label-version" => t.SelinuxLabelVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "ignore-devices" => t.IgnoreDevices.ToString(),
        "ima" => t.Ima.ToString(),
        "boot-location" => t.BootLocation.ToString(),
        "initramfs-args" => L(t.InitramfsArgs),
        "no-initramfs" => t.NoInitramfs.ToString(),
        "readonly-executables" => t.ReadonlyExecutables.ToString(),
        "rpmdb" => t.Rpmdb.ToString(),
        "rpmdb-normalize" => t.RpmdbNormalize.ToString(),
        "gpg-key" => t.GpgKey ?? "(null)",
        "edition" => t.Edition.ToString(),
        "cliwrap" => t.Cliwrap.ToString(),
        "cliwrap-binaries" => L(t.CliwrapBinaries),
        "sysusers" => t.Sysusers.ToString(),
        "opt-usrlocal" => t.OptUsrLocal.ToString(),
        "repo-metadata" => t.RepoMetadata.ToString(),
        "advisories-metadata" => t.AdvisoriesMetadata.ToString(),
        "ostree-layers" => L(t.OstreeLayers),
        "ostree-override-layers" => L(t.OstreeOverrideLayers),
        "mutate-os-release" => t.MutateOsRelease ?? "(null)",
        "platform-module" => t.PlatformModule ?? "(null)",
        "basearch" => t.Basearch,
        "repovars" => string.Join(",", t.Repovars.Select(v => $"{v.Key}={v.Value}")),
        _ => throw new ArgumentException(property),
    };

    [Theory]
    // Defaults, as rpm-ostree documents them (edition 2014).
    [InlineData("", "recommends", "True")]
    [InlineData("", "documentation", "True")]
    [InlineData("", "selinux", "True")]
    [InlineData("", "machineid-compat", "True")]
    [InlineData("", "preserve-passwd", "True")]
    [InlineData("", "check-passwd", "Previous")]
    [InlineData("", "check-groups", "Previous")]
    [InlineData("", "tmp-is-dir", "False")]
    [InlineData("", "boot-location", "New")]
    [InlineData("", "container", "False")]
    [InlineData("", "rpmdb", "Target")]
    [InlineData("", "sysusers", "ComposeAuto")]
    [InlineData("", "opt-usrlocal", "Var")]
    [InlineData("", "automatic-version-suffix", ".")]
    [InlineData("", "repos", "(null)")]
    [InlineData("", "edition", "Edition2014")]
    [InlineData("", "ignore-devices", "True")]
    [InlineData("", "repo-metadata", "Inline")]
    [InlineData("", "variables", "basearch=String:x86_64")]
    // Edition 2024 changes two defaults; explicit values still win.
    [InlineData("edition: '2024'\n", "tmp-is-dir", "True")]
    [InlineData("edition: '2024'\n", "boot-location", "Modules")]
    [InlineData("edition: \"2024\"\ntmp-is-dir: false\n", "tmp-is-dir", "False")]
    [InlineData("edition: '2024'\nboot-location: new\n", "boot-location", "New")]
    [InlineData("edition: '2014'\n", "edition", "Edition2014")]
    // serde_yaml reads a plain scalar as a string only in the fields rpm-ostree does not flatten.
    [InlineData("cliwrap-binaries: [123, true]\n", "cliwrap-binaries", "123,true")]
    [InlineData("repo-packages: [{repo: 7, packages: [1]}]\n", "repo-packages", "7:1")]
    // container implies selinux off, /tmp a directory, no passwd handling.
    [InlineData("container: true\n", "selinux", "False")]
    [InlineData("container: true\n", "tmp-is-dir", "True")]
    [InlineData("container: true\n", "preserve-passwd", "False")]
    [InlineData("container: true\n", "check-passwd", "None")]
    [InlineData("container: true\n", "check-groups", "None")]
    [InlineData("container: true\n", "boot-location", "Modules")]
    // Packages: whitespace-split, quoted version queries kept whole, sorted and unique, arch lists.
    [InlineData("packages-x86_64: [grub2 shim]\npackages-s390x: [s390utils]\n", "packages", "a,grub2,shim")]
    [InlineData("bootstrap-packages: [b]\n", "packages", "a,b")]
    [InlineData("exclude-packages: [python, python3]\n", "exclude-packages", "python,python3")]
    [InlineData("repo-packages:\n  - repo: r1\n    packages: [x y, \"'z >= 1'\"]\n", "repo-packages", "r1:x,y,z >= 1")]
    [InlineData("repos: [fedora, updates]\n", "repos", "fedora,updates")]
    [InlineData("lockfile-repos: [locked]\n", "lockfile-repos", "locked")]
    [InlineData("releasever: 40\n", "releasever", "Number:40")]
    [InlineData("releasever: '40'\n", "releasever", "String:40")]
    [InlineData("releasever: rawhide\n", "releasever", "String:rawhide")]
    [InlineData("releasever: 40\nvariables: {stream: stable, dev: true, n: 3}\n", "variables", "basearch=String:x86_64,dev=Bool:true,n=Number:3,releasever=Number:40,stream=String:stable")]
    [InlineData("postprocess:\n  - |\n    #!/bin/sh\n    true\n", "postprocess", "#!/bin/sh\ntrue\n")]
    [InlineData("remove-files: [usr/share/doc]\n", "remove-files", "usr/share/doc")]
    [InlineData("remove-from-packages: [[cpio, /usr/share/.*], [dhclient, /a, /b]]\n", "remove-from-packages", "cpio,/usr/share/.*;dhclient,/a,/b")]
    [InlineData("units: [sshd.service]\n", "units", "sshd.service")]
    [InlineData("default-target: multi-user.target\n", "default-target", "multi-user.target")]
    [InlineData("default_target: graphical.target\n", "default-target", "graphical.target")]
    [InlineData("add-commit-metadata: {a: 1, b: x, c: true, d: [1, 2.5], e: {f: null}}\n", "add-commit-metadata", "a=Integer:1,b=String:x,c=Bool:true,d=[Integer:1,Float:2.5],e={f:Null:}")]
    [InlineData("metadata: {name: os}\n", "metadata", "name=String:os")]
    [InlineData("automatic-version-prefix: '40.<date:%Y>'\n", "automatic-version-prefix", "40.<date:%Y>")]
    [InlineData("automatic_version_prefix: '41'\n", "automatic-version-prefix", "41")]
    [InlineData("automatic-version-suffix: '-'\n", "automatic-version-suffix", "-")]
    [InlineData("recommends: false\n", "recommends", "False")]
    [InlineData("documentation: false\n", "documentation", "False")]
    [InlineData("install-langs: [en_US, fr_FR]\n", "install-langs", "en_US,fr_FR")]
    [InlineData("preserve-passwd: false\n", "preserve-passwd", "False")]
    [InlineData("check-passwd: {type: none}\n", "check-passwd", "None")]
    [InlineData("check-passwd: {type: data, entries: {root: 0, bin: [1], adm: [3, 4]}}\n", "check-passwd", "data:adm=3/4,bin=1/1,root=0/0")]
    [InlineData("check-groups: {type: data, entries: {wheel: 10}}\n", "check-groups", "data:wheel=10/10")]
    [InlineData("etc-group-members: [wheel, sudo]\n", "etc-group-members", "wheel,sudo")]
    [InlineData("ignore-removed-users: [tss, avahi]\n", "ignore-removed-users", "avahi,tss")]
    [InlineData("ignore-removed-groups: ['*']\n", "ignore-removed-groups", "*")]
    [InlineData("container-cmd: [/bin/bash]\n", "container-cmd", "/bin/bash")]
    [InlineData("tmp-is-dir: true\n", "tmp-is-dir", "True")]
    [InlineData("machineid-compat: false\n", "machineid-compat", "False")]
    [InlineData("selinux: false\n", "selinux", "False")]
    [InlineData("selinux-label-version: 1\n", "selinux-label-version", "1")]
    [InlineData("ignore-devices: false\n", "ignore-devices", "False")]
    [InlineData("ima: true\n", "ima", "True")]
    [InlineData("boot-location: kernel-install\n", "boot-location", "KernelInstall")]
    [InlineData("boot_location: modules\n", "boot-location", "Modules")]
    [InlineData("initramfs-args: [--no-hostonly]\n", "initramfs-args", "--no-hostonly")]
    [InlineData("no-initramfs: true\n", "no-initramfs", "True")]
    [InlineData("readonly-executables: true\n", "readonly-executables", "True")]
    [InlineData("rpmdb: host\n", "rpmdb", "Host")]
    [InlineData("rpmdb: sqlite\n", "rpmdb", "Target")]
    [InlineData("rpmdb-normalize: true\n", "rpmdb-normalize", "True")]
    [InlineData("gpg-key: ABCD\n", "gpg-key", "ABCD")]
    [InlineData("gpg_key: EF01\n", "gpg-key", "EF01")]
    [InlineData("cliwrap: true\n", "cliwrap", "True")]
    [InlineData("cliwrap-binaries: [kernel-install]\n", "cliwrap-binaries", "kernel-install")]
    [InlineData("sysusers: compose-forced\n", "sysusers", "ComposeForced")]
    [InlineData("opt-usrlocal: root\n", "opt-usrlocal", "Root")]
    [InlineData("opt-usrlocal: stateoverlay\n", "opt-usrlocal", "StateOverlay")]
    [InlineData("repo-metadata: detached\n", "repo-metadata", "Detached")]
    [InlineData("advisories-metadata: disabled\n", "advisories-metadata", "Disabled")]
    [InlineData("ostree-layers: [overlay/1]\n", "ostree-layers", "overlay/1")]
    [InlineData("ostree-override-layers: [overlay/2]\n", "ostree-override-layers", "overlay/2")]
    [InlineData("mutate-os-release: '${releasever}'\nreleasever: 9\n", "mutate-os-release", "9")]
    [InlineData("platform-module: 'platform:f${releasever}'\nreleasever: 40\n", "platform-module", "platform:f40")]
    [InlineData("basearch: x86_64\n", "basearch", "x86_64")]
    [InlineData("repovars: {contentdir: fedora}\n", "repovars", "contentdir=fedora")]
    [InlineData("gpg-key: ~\n", "gpg-key", "(null)")]
    public void A_good_value_lands_in_its_property(string yaml, string property, string expected)
    {
        using var dir = new TreefileDir();
        dir.Write("t.yaml", Prelude + yaml);
        Assert.Equal(expected, Show(dir.Load("t.yaml"), property));
    }

    [Theory]
    [InlineData("bogus: 1\n", "bogus")]
    [InlineData("packagez: [a]\n", "packagez")]
    [InlineData("selinux: yes please\n", "selinux")]
    [InlineData("recommends: 1\n", "recommends")]
    [InlineData("repos: fedora\n", "repos")]
    [InlineData("repos: [[a]]\n", "repos")]
    [InlineData("units: {a: b}\n", "units")]
    [InlineData("edition: '2020'\n", "edition")]
    [InlineData("edition: 2024\n", "edition")]
    [InlineData("gpg-key: 123\n", "gpg-key")]
    [InlineData("units: [true]\n", "units")]
    [InlineData("bootstrap-packages: [1]\n", "bootstrap-packages")]
    [InlineData("packages-x86_64: [1]\n", "packages-x86_64")]
    [InlineData("boot-location: elsewhere\n", "boot-location")]
    [InlineData("rpmdb: lmdb\n", "rpmdb")]
    [InlineData("sysusers: never\n", "sysusers")]
    [InlineData("opt-usrlocal: usr\n", "opt-usrlocal")]
    [InlineData("repo-metadata: inside\n", "repo-metadata")]
    [InlineData("automatic-version-suffix: '--'\n", "automatic-version-suffix")]
    [InlineData("selinux-label-version: 2\n", "selinux-label-version")]
    [InlineData("selinux-label-version: -1\n", "selinux-label-version")]
    [InlineData("releasever: true\n", "releasever")]
    [InlineData("releasever: [1]\n", "releasever")]
    [InlineData("variables: {x: 1.5}\n", "variables.x")]
    [InlineData("variables: {releasever: 1}\n", "variables")]
    [InlineData("variables: [a]\n", "variables")]
    [InlineData("repovars: {basearch: x}\n", "repovars")]
    [InlineData("check-passwd: {type: sometimes}\n", "check-passwd.type")]
    [InlineData("check-passwd: {filename: x}\n", "check-passwd")]
    [InlineData("check-passwd: {type: data, entries: {root: [1, 2, 3]}}\n", "check-passwd.entries.root")]
    [InlineData("check-groups: {type: data, entries: {wheel: [10]}}\n", "check-groups.entries.wheel")]
    [InlineData("check-groups: {type: none, filename: x}\n", "check-groups")]
    [InlineData("repo-packages: [{repo: r}]\n", "repo-packages")]
    [InlineData("repo-packages: [{repo: r, packages: [a], extra: 1}]\n", "repo-packages")]
    [InlineData("remove-from-packages: [[cpio]]\n", "remove-from-packages")]
    [InlineData("add-files: [[a]]\n", "add-files")]
    [InlineData("packages-x86_64: notalist\n", "packages-x86_64")]
    [InlineData("packages-s390x: [{a: b}]\n", "packages-s390x")]
    [InlineData("basearch: aarch64\n", "basearch")]
    [InlineData("include: {a: b}\n", "include")]
    [InlineData("conditional-include: [{if: 'x == 1'}]\n", "conditional-include")]
    [InlineData("conditional-include: [{if: 'x ~ 1', include: a.yaml}]\n", "conditional-include.if")]
    [InlineData("conditional-include: [{if: 'nonsense', include: a.yaml}]\n", "conditional-include.if")]
    [InlineData("gpg-key: ABCD\ngpg_key: ABCD\n", "gpg-key")]
    [InlineData("mutate-os-release: [a]\n", "mutate-os-release")]
    [InlineData("metadata: [a]\n", "metadata")]
    [InlineData("postprocess: [[a]]\n", "postprocess")]
    public void A_bad_value_is_an_error_naming_file_line_and_key(string yaml, string key)
    {
        using var dir = new TreefileDir();
        string path = dir.Write("t.yaml", Prelude + yaml);
        var e = Assert.ThrowsAny<Exception>(() => dir.Load("t.yaml"));
        Assert.True(e is FormatException, e.ToString());
        Assert.StartsWith(path + ": line ", e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{key}'", e.Message, StringComparison.Ordinal);
        // The offending key or value is on the line after the two-line prelude (or the one after).
        int line = int.Parse(e.Message[(path.Length + ": line ".Length)..].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(line, 3, 4);
    }

    [Fact]
    public void A_json_treefile_names_line_and_column_of_a_wrong_type()
    {
        using var dir = new TreefileDir();
        string path = dir.Write("t.json", "{\n  \"ref\": \"r\",\n  \"packages\": [\"a\"],\n  \"selinux\": \"no\"\n}\n");
        var e = Assert.Throws<FormatException>(() => dir.Load("t.json"));
        Assert.Equal($"{path}: line 4, column 14: 'selinux' must be true or false", e.Message);
    }

    [Fact]
    public void A_json_treefile_refuses_unknown_keys_and_numbers_for_strings()
    {
        using var dir = new TreefileDir();
        string path = dir.Write("t.json", "{\"ref\": \"r\", \"packages\": [\"a\"], \"nope\": 1}");
        Assert.Equal($"{path}: line 1, column 33: unknown key 'nope'", Assert.Throws<FormatException>(() => dir.Load("t.json")).Message);
        dir.Write("u.json", "{\"ref\": 5, \"packages\": [\"a\"]}");
        Assert.Contains("'ref' must be a string", Assert.Throws<FormatException>(() => dir.Load("u.json")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_yaml_and_json_name_the_position()
    {
        using var dir = new TreefileDir();
        string y = dir.Write("t.yaml", "ref: r\npackages: [a\n");
        Assert.StartsWith($"{y}: line ", Assert.Throws<FormatException>(() => dir.Load("t.yaml")).Message, StringComparison.Ordinal);
        string j = dir.Write("t.json", "{\"ref\": \"r\",\n \"packages\": [\"a\",]}");
        Assert.StartsWith($"{j}: line 2, ", Assert.Throws<FormatException>(() => dir.Load("t.json")).Message, StringComparison.Ordinal);
        dir.Write("list.yaml", "- a\n");
        Assert.Contains("must be a mapping", Assert.Throws<FormatException>(() => dir.Load("list.yaml")).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("'foobar >= 1.0'", "foobar >= 1.0")]
    [InlineData("'foobar >= 1.0' 'quuz < 0.5' 'corge > 2'", "corge > 2|foobar >= 1.0|quuz < 0.5")]
    [InlineData("foobar quuz corge", "corge|foobar|quuz")]
    [InlineData("corge 'foobar >= 1.1' baz-package 'quuz < 0.0.1'", "baz-package|corge|foobar >= 1.1|quuz < 0.0.1")]
    [InlineData("foobar >= 1.0 quuz", "1.0|>=|foobar|quuz")]
    [InlineData("  spaced\tout  ", "out|spaced")]
    public void Package_entries_split_on_whitespace_unless_quoted(string entry, string expected)
    {
        using var dir = new TreefileDir();
        dir.Write("t.json", $"{{\"packages\": [\"{entry.Replace("\t", "\\t", StringComparison.Ordinal)}\"]}}");
        Assert.Equal(expected, string.Join("|", dir.Load("t.json").Packages));
    }

    [Theory]
    [InlineData("foobar >= 1.0'")]
    [InlineData("'foobar >= 1.0 baz-package")]
    [InlineData("'foobar >= 1.0' quuz' corge")]
    public void An_unterminated_quote_in_packages_is_an_error(string entry)
    {
        using var dir = new TreefileDir();
        string path = dir.Write("t.yaml", $"ref: r\npackages:\n  - \"{entry}\"\n");
        var e = Assert.Throws<FormatException>(() => dir.Load("t.yaml"));
        Assert.StartsWith($"{path}: line 3, column 5: 'packages' has a missing terminating quote", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_files_and_postprocess_script_resolve_next_to_the_treefile_and_must_exist()
    {
        using var dir = new TreefileDir();
        dir.Write("files/motd", "hi\n");
        dir.Write("post.sh", "#!/bin/sh\n");
        dir.Write("t.yaml", Prelude + "add-files: [[files/motd, /etc/motd]]\npostprocess-script: post.sh\n");
        var t = dir.Load("t.yaml");
        Assert.Equal(new AddFile("files/motd", "/etc/motd", Path.Combine(dir.Path, "files/motd")), Assert.Single(t.AddFiles));
        Assert.Equal(new PostprocessScript("post.sh", Path.Combine(dir.Path, "post.sh")), t.PostprocessScript);

        string bad = dir.Write("missing.yaml", Prelude + "add-files: [[nothere, /usr/share/x]]\n");
        var e = Assert.Throws<FormatException>(() => dir.Load("missing.yaml"));
        Assert.StartsWith($"{bad}: line 3, ", e.Message, StringComparison.Ordinal);
        Assert.Contains("'add-files' names nothere", e.Message, StringComparison.Ordinal);

        dir.Write("nopost.yaml", Prelude + "postprocess-script: gone.sh\n");
        Assert.Contains("'postprocess-script' names gone.sh", Assert.Throws<FormatException>(() => dir.Load("nopost.yaml")).Message, StringComparison.Ordinal);

        dir.Write("where.yaml", Prelude + "add-files: [[files/motd, /var/motd]]\n");
        Assert.Contains("unsupported destination /var/motd", Assert.Throws<FormatException>(() => dir.Load("where.yaml")).Message, StringComparison.Ordinal);
        dir.Write("local.yaml", Prelude + "add-files: [[files/motd, /usr/local/motd]]\n");
        Assert.Contains("unsupported destination", Assert.Throws<FormatException>(() => dir.Load("local.yaml")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_passwd_file_resolves_next_to_the_treefile()
    {
        using var dir = new TreefileDir();
        dir.Write("passwd", "root:x:0:0::/root:/bin/bash\n");
        dir.Write("t.yaml", Prelude + "check-passwd: {type: file, filename: passwd}\n");
        var c = dir.Load("t.yaml").CheckPasswd;
        Assert.Equal((PasswdCheckKind.File, "passwd", Path.Combine(dir.Path, "passwd")), (c.Kind, c.FileName, c.FilePath));
        dir.Write("u.yaml", Prelude + "check-groups: {type: file, filename: group}\n");
        Assert.Contains("'check-groups.filename' names group", Assert.Throws<FormatException>(() => dir.Load("u.yaml")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_treefile_names_it()
    {
        using var dir = new TreefileDir();
        var e = Assert.Throws<FileNotFoundException>(() => dir.Load("absent.yaml"));
        Assert.Contains(Path.Combine(dir.Path, "absent.yaml"), e.Message, StringComparison.Ordinal);
    }
}
