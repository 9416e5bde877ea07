// include, arch-include and conditional-include as rpm-ostree's treefile.rs merges them: the
// includer wins scalars, lists concatenate included-first, postprocess runs a later include before
// an earlier one, repeated files are errors, paths are relative to the including file, and
// conditions see the variables defined so far.
namespace Arbor.Compose.Tests.Treefile;

public class TreefileIncludeTests
{
    [Fact]
    public void The_includer_wins_scalars_and_lists_concatenate_included_first()
    {
        using var dir = new TreefileDir();
        dir.Write("main.yaml", "ref: main\ninclude: [a.yaml, b.yaml]\npackages: [m]\nrepos: [mainrepo]\nunits: [main.service]\npostprocess: [echo main]\n");
        dir.Write("a.yaml", "ref: a\nselinux: false\nrecommends: false\npackages: [pa]\nrepos: [arepo]\nunits: [a.service]\npostprocess: [echo a]\n");
        dir.Write("b.yaml", "selinux: true\nrecommends: true\ndocumentation: false\npackages: [pb m]\nrepos: [brepo]\npostprocess: [echo b]\n");
        var t = dir.Load("main.yaml");
        Assert.Equal("main", t.Ref);
        Assert.False(t.Selinux);        // a.yaml (listed first) beats b.yaml
        Assert.False(t.Recommends);
        Assert.False(t.Documentation);  // only b.yaml sets it
        Assert.Equal(["m", "pa", "pb"], t.Packages);
        Assert.Equal(["brepo", "arepo", "mainrepo"], t.Repos!);
        Assert.Equal(["a.service", "main.service"], t.Units);
        // rpm-ostree's documented order: later include, earlier include, then the file itself.
        Assert.Equal(["echo b", "echo a", "echo main"], t.Postprocess);
    }

    [Fact]
    public void Nested_includes_resolve_relative_to_the_including_file()
    {
        using var dir = new TreefileDir();
        dir.Write("main.yaml", "ref: r\ninclude: sub/mid.yaml\npostprocess: [echo top]\nadd-commit-metadata: {k1: top}\n");
        dir.Write("sub/mid.yaml", "include: deeper/leaf.yaml\npackages: [mid]\npostprocess: [echo mid]\nadd-commit-metadata: {k1: mid, k2: mid}\nadd-files: [[mid.txt, /usr/share/mid]]\n");
        dir.Write("sub/mid.txt", "mid\n");
        dir.Write("sub/deeper/leaf.yaml", "packages: [leaf]\npostprocess: [echo leaf]\nadd-commit-metadata: {k2: leaf, k3: leaf}\nadd-files: [[leaf.txt, /etc/leaf]]\npostprocess-script: post.sh\n");
        dir.Write("sub/deeper/leaf.txt", "leaf\n");
        dir.Write("sub/deeper/post.sh", "#!/bin/sh\n");
        var t = dir.Load("main.yaml");
        Assert.Equal(["leaf", "mid"], t.Packages);
        Assert.Equal(["echo leaf", "echo mid", "echo top"], t.Postprocess);
        Assert.Equal("k1=top,k2=mid,k3=leaf", string.Join(",", t.AddCommitMetadata.Select(m => $"{m.Key}={m.Value.Text}")));
        Assert.Equal([Path.Combine(dir.Path, "sub/deeper/leaf.txt"), Path.Combine(dir.Path, "sub/mid.txt")], t.AddFiles.Select(f => f.SourcePath));
        Assert.Equal(Path.Combine(dir.Path, "sub/deeper/post.sh"), t.PostprocessScript!.Path);
    }

    [Fact]
    public void Including_the_same_file_twice_is_an_error()
    {
        using var dir = new TreefileDir();
        dir.Write("main.yaml", "ref: r\ninclude: [a.yaml, b.yaml]\n");
        dir.Write("a.yaml", "include: common.yaml\n");
        dir.Write("b.yaml", "include: ./common.yaml\n");
        dir.Write("common.yaml", "packages: [c]\n");
        var e = Assert.Throws<FormatException>(() => dir.Load("main.yaml"));
        Assert.Contains("include loop detected", e.Message, StringComparison.Ordinal);
        Assert.Contains("common.yaml", e.Message, StringComparison.Ordinal);
        Assert.StartsWith(Path.Combine(dir.Path, "b.yaml") + ": line 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_include_cycle_is_an_error()
    {
        using var dir = new TreefileDir();
        dir.Write("main.yaml", "ref: r\ninclude: a.yaml\n");
        dir.Write("a.yaml", "include: main.yaml\n");
        Assert.Contains("include loop detected", Assert.Throws<FormatException>(() => dir.Load("main.yaml")).Message, StringComparison.Ordinal);
        dir.Write("self.yaml", "include: self.yaml\n");
        Assert.Contains("include loop detected", Assert.Throws<FormatException>(() => dir.Load("self.yaml")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_include_names_the_including_file_and_line()
    {
        using var dir = new TreefileDir();
        string main = dir.Write("main.yaml", "ref: r\npackages: [a]\ninclude: [gone.yaml]\n");
        var e = Assert.Throws<FileNotFoundException>(() => dir.Load("main.yaml"));
        Assert.StartsWith($"{main}: line 3, ", e.Message, StringComparison.Ordinal);
        Assert.Contains("gone.yaml", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Arch_include_takes_only_the_composed_architecture_after_include()
    {
        using var dir = new TreefileDir();
        dir.Write("main.yaml", "ref: r\ninclude: common.yaml\narch-include:\n  x86_64: x86.yaml\n  s390x: [s390x.yaml, missing.yaml]\n");
        dir.Write("common.yaml", "postprocess: [echo common]\n");
        dir.Write("x86.yaml", "packages: [grub2]\npostprocess: [echo x86]\n");
        dir.Write("s390x.yaml", "packages: [s390utils]\n");
        var t = dir.Load("main.yaml");
        Assert.Equal(["grub2"], t.Packages);
        Assert.Equal(["echo x86", "echo common"], t.Postprocess);
        Assert.Throws<FileNotFoundException>(() => dir.Load("main.yaml", "s390x"));
    }

    [Fact]
    public void Conditional_include_evaluates_variables_basearch_and_releasever()
    {
        using var dir = new TreefileDir();
        dir.Write("main.yaml", """
            ref: r
            releasever: 40
            variables:
              devpackages: true
              stream: "development"
            conditional-include:
              - if: devpackages == true
                include: dev.yaml
              - if: stream != "development"
                include: prod.yaml
              - if: releasever >= 40
                include: [f40.yaml]
              - if: [basearch == "x86_64", releasever < 41]
                include:
                  packages: [inline-pkg]
                  postprocess: [echo inline]
              - if: [basearch == "aarch64", releasever < 41]
                include: arm.yaml
            postprocess: [echo main]
            """);
        dir.Write("dev.yaml", "packages: [gdb]\n");
        dir.Write("f40.yaml", "packages: [f40-fix]\n");
        var t = dir.Load("main.yaml");
        Assert.Equal(["f40-fix", "gdb", "inline-pkg"], t.Packages);
        Assert.Equal(["echo inline", "echo main"], t.Postprocess);
    }

    [Fact]
    public void An_includers_variables_win_and_later_includes_see_earlier_ones()
    {
        using var dir = new TreefileDir();
        dir.Write("main.yaml", "ref: '${stream}-${flavour}'\nvariables: {stream: top}\ninclude: [a.yaml, b.yaml]\n");
        dir.Write("a.yaml", "variables: {stream: a, flavour: a}\n");
        dir.Write("b.yaml", "conditional-include:\n  - if: flavour == \"a\"\n    include: c.yaml\n");
        dir.Write("c.yaml", "packages: [from-c]\n");
        var t = dir.Load("main.yaml");
        Assert.Equal("top-a", t.Ref);
        Assert.Equal(["from-c"], t.Packages);
    }

    [Theory]
    [InlineData("if: nosuch == 1", "undefined variable 'nosuch'")]
    [InlineData("if: n == \"1\"", "not the same type")]
    [InlineData("if: s > \"a\"", "invalid op >")]
    [InlineData("if: [n == 2, nosuch == 1]", "undefined variable 'nosuch'")]
    public void Bad_conditions_are_errors_even_when_an_earlier_one_is_false(string condition, string message)
    {
        using var dir = new TreefileDir();
        string path = dir.Write("main.yaml", $"ref: r\nvariables: {{n: 1, s: x}}\nconditional-include:\n  - {condition}\n    include: x.yaml\n");
        var e = Assert.Throws<FormatException>(() => dir.Load("main.yaml"));
        Assert.StartsWith($"{path}: line 4, ", e.Message, StringComparison.Ordinal);
        Assert.Contains("'conditional-include.if'", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Repo_packages_keep_each_package_in_its_last_repo()
    {
        // rpm-ostree's test_treefile_includes, in Arbor's terms.
        using var dir = new TreefileDir();
        dir.Write("foo.yaml", """
            repos: [foo]
            packages: [fooinclude]
            repo-packages:
              - repo: foo
                packages: [qwert]
              - repo: foob
                packages: [blah]
              - repo: foo2
                packages: [qwert]
            """);
        dir.Write("main.yaml", """
            ref: r
            include: foo.yaml
            packages: [a b c, d e]
            repo-packages:
              - repo: baserepo
                packages: [blah bloo]
            """);
        var t = dir.Load("main.yaml");
        Assert.Equal(6, t.Packages.Count);
        Assert.Equal("foo2:qwert;baserepo:blah,bloo", string.Join(";", t.RepoPackages.Select(r => $"{r.Repo}:{string.Join(",", r.Packages)}")));
    }

    [Fact]
    public void Variables_substitute_in_ref_metadata_and_version_prefix_only()
    {
        using var dir = new TreefileDir();
        dir.Write("main.yaml", """
            ref: os/${releasever}/${basearch}/${stream}/${undefined}
            releasever: 40
            variables: {stream: stable, dev: false}
            repos: ["${stream}"]
            automatic-version-prefix: "${releasever}.<date:%Y>"
            add-commit-metadata: {note: "dev=${dev}", n: 5}
            metadata: {name: "os-${stream}"}
            postprocess: ["echo ${stream}"]
            """);
        var t = dir.Load("main.yaml");
        Assert.Equal("os/40/x86_64/stable/${undefined}", t.Ref);
        Assert.Equal(["${stream}"], t.Repos!);
        Assert.Equal("40.<date:%Y>", t.AutomaticVersionPrefix);
        Assert.Equal("dev=false", t.AddCommitMetadata["note"].Text);
        Assert.Equal("os-stable", t.Metadata["name"].Text);
        Assert.Equal(["echo ${stream}"], t.Postprocess);
    }

    [Fact]
    public void A_variable_with_a_brace_or_dollar_is_refused()
    {
        using var dir = new TreefileDir();
        dir.Write("main.yaml", "ref: r\nvariables: {bad: \"a}b\"}\n");
        Assert.Contains("forbidden character '}'", Assert.Throws<FormatException>(() => dir.Load("main.yaml")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Container_defaults_apply_per_file_and_the_includer_still_wins()
    {
        using var dir = new TreefileDir();
        dir.Write("main.yaml", "ref: r\nselinux: true\ninclude: c.yaml\n");
        dir.Write("c.yaml", "container: true\n");
        var t = dir.Load("main.yaml");
        Assert.True(t.Container);
        Assert.True(t.Selinux);
        Assert.True(t.TmpIsDir);
    }
}
