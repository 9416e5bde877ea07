// `arbor compose tree` fed bad input, against a repository that already holds a good composed
// commit on the treefile's ref: a missing package, an unsatisfiable request, two packages with
// one path, a failing %post, a corrupt package in the repository (against its repodata, and
// against its own digest), an unreachable repository, treefile mistakes (unknown key, wrong type,
// missing include or script, unknown repository id), a repo-packages entry the repository lacks,
// malformed or missing --add-metadata-from-json. Each must fail with a clear error naming what
// was wrong (in rpm-ostree's, libdnf's or rpm's words where they have them; one line, except a
// depsolve problem, which lists its rules as libdnf does) and leave everything as it was: the ref
// on the previous commit, the same files in the repository (no staging directory in tmp/), the
// real `ostree fsck` clean, and no work directory left in TMPDIR. The good paths next to them
// (repo-packages pinning, JSON metadata of every type, --write-commitid-to on top of the ref)
// are checked with the real `ostree show`, `cat` and `rev-parse`.
namespace Arbor.Interop.Tests.Compose;

/// <summary>The sample repository, an extra repository of awkward packages, and a repository holding a good compose.</summary>
public sealed class BadInputFixture : ComposeFixture
{
    /// <summary>The ref every treefile here composes.</summary>
    public const string Ref = "badinput/x86_64/base";

    /// <summary>Builds the packages and composes the good commit.</summary>
    public BadInputFixture()
    {
        string work = NewDir("rpmbuild");
        Extras = NewDir("extras");
        void Put(string rpm) => File.Copy(rpm, Path.Combine(Extras, Path.GetFileName(rpm)));
        Put(RpmBuild.Build(work, "needy", "1", "mkdir -p %{buildroot}/usr/share/needy && echo needy > %{buildroot}/usr/share/needy/x",
            "/usr/share/needy", preamble: "Requires: libmissing >= 2\n"));
        Put(RpmBuild.Build(work, "clash-a", "1", "mkdir -p %{buildroot}/usr/share && echo a > %{buildroot}/usr/share/clash", "/usr/share/clash"));
        Put(RpmBuild.Build(work, "clash-b", "1", "mkdir -p %{buildroot}/usr/share && echo b > %{buildroot}/usr/share/clash", "/usr/share/clash"));
        Put(RpmBuild.Build(work, "failpost", "1", "mkdir -p %{buildroot}/usr/share/failpost && echo f > %{buildroot}/usr/share/failpost/x",
            "/usr/share/failpost", scripts: "%post\necho failpost is about to fail\nexit 3\n"));
        Put(RpmBuild.Build(work, "greeting", "2.0", "mkdir -p %{buildroot}/usr/share && echo new > %{buildroot}/usr/share/greeting", "/usr/share/greeting"));
        Tools.ArborOk("rpm", "createrepo", Extras);

        // The same name, older, in a repository of its own (repo-packages pins it).
        Pinned = NewDir("pinned");
        File.Copy(RpmBuild.Build(work, "greeting", "1.0", "mkdir -p %{buildroot}/usr/share && echo old > %{buildroot}/usr/share/greeting", "/usr/share/greeting"),
            Path.Combine(Pinned, "greeting-1.0-1.noarch.rpm"));
        Tools.ArborOk("rpm", "createrepo", Pinned);

        FragileRpm = RpmBuild.Build(work, "fragile", "1", "mkdir -p %{buildroot}/usr/share && head -c 65536 /dev/zero | tr '\\0' x > %{buildroot}/usr/share/fragile",
            "/usr/share/fragile");

        GoodRepo = NewRepo("good");
        var r = Tools.RunIn(null, TimeSpan.FromMinutes(5), Tools.ArborBin, "compose", "tree", "--repo=" + GoodRepo, "--cachedir=" + NewDir("cache-good"),
            Write("good", "packages: [filesystem, busybox]\n"));
        Assert.True(r.ExitCode == 0, r.ToString());
        GoodCommit = Tools.OstreeOk("--repo=" + GoodRepo, "rev-parse", Ref).Stdout.Trim();
    }

    /// <summary>The rpm-md repository of needy, clash-a/b, failpost and greeting 2.0.</summary>
    public string Extras { get; }

    /// <summary>The rpm-md repository of greeting 1.0.</summary>
    public string Pinned { get; }

    /// <summary>A package that tests corrupt after publishing it.</summary>
    public string FragileRpm { get; }

    /// <summary>The repository with the good compose on <see cref="Ref"/>.</summary>
    public string GoodRepo { get; }

    /// <summary>The good commit.</summary>
    public string GoodCommit { get; }

    /// <summary>
    /// A treefile composing <see cref="Ref"/> from the repositories sample and extras (plus
    /// <paramref name="repos"/>, id → baseurl) with <paramref name="body"/> as the rest of it.
    /// </summary>
    public string Write(string name, string body, params (string Id, string BaseUrl)[] repos)
    {
        string dir = NewDir("tf-" + name);
        var all = new List<(string Id, string BaseUrl)> { ("sample", "file://" + RpmRepo), ("extras", "file://" + Extras) };
        all.AddRange(repos);
        File.WriteAllText(Path.Combine(dir, "compose.repo"),
            string.Concat(all.Select(r => $"[{r.Id}]\nname={r.Id}\nbaseurl={r.BaseUrl}\ngpgcheck=0\n\n")));
        string path = Path.Combine(dir, "compose.yaml");
        File.WriteAllText(path, $"ref: {Ref}\nrepos: [{string.Join(", ", all.Select(r => r.Id))}]\n" + body);
        return path;
    }

    /// <summary>A copy of <see cref="GoodRepo"/> for one test to break.</summary>
    public string CopyOfGood(string name)
    {
        string copy = NewPath("repo-" + name);
        Tools.RunOk("cp", "-a", GoodRepo, copy);
        return copy;
    }
}

public sealed class ComposeBadInputInteropTests(BadInputFixture fx) : IClassFixture<BadInputFixture>
{
    private const string Ref = BadInputFixture.Ref;

    // Every path under the repository with its type and size, and each ref file's content: what a
    // failed compose must leave exactly as it found it.
    private static List<string> Snapshot(string repo)
    {
        var entries = new List<string>();
        foreach (var e in new DirectoryInfo(repo).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            string rel = Path.GetRelativePath(repo, e.FullName);
            entries.Add(e switch
            {
                FileInfo f when rel.StartsWith("refs/", StringComparison.Ordinal) => $"{rel} = {File.ReadAllText(f.FullName).Trim()}",
                FileInfo f => $"{rel} {f.Length}",
                _ => rel + "/",
            });
        }
        entries.Sort(StringComparer.Ordinal);
        return entries;
    }

    /// <summary>Runs a compose that must fail with a one-line error; returns that line after checking the repository is untouched.</summary>
    private string FailsCleanly(string name, string treefile, params string[] extra) =>
        Assert.Single(FailsCleanlyLines(name, treefile, extra));

    /// <summary>Runs a compose that must fail; returns its error lines after checking the repository is untouched.</summary>
    private IReadOnlyList<string> FailsCleanlyLines(string name, string treefile, params string[] extra)
    {
        string repo = fx.CopyOfGood(name);
        var before = Snapshot(repo);
        Assert.Contains(before, e => e.StartsWith("objects/", StringComparison.Ordinal));
        // A private TMPDIR, to see that the compose's work directory is gone afterwards too.
        string tmp = fx.NewDir("tmpdir-" + name);
        var r = Tools.RunIn(null, TimeSpan.FromMinutes(3), "env",
            ["TMPDIR=" + tmp, Tools.ArborBin, "compose", "tree", "--repo=" + repo, "--cachedir=" + fx.NewDir("cache-" + name), .. extra, treefile]);
        Assert.True(r.ExitCode == 1, r.ToString());
        // An error, no escaped line breaks, no defect report and no stack trace.
        var lines = r.StderrLines;
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("\\x0a", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("this is a bug in Arbor", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);

        Assert.Equal(fx.GoodCommit, Tools.OstreeOk("--repo=" + repo, "rev-parse", Ref).Stdout.Trim());
        var after = Snapshot(repo);
        Assert.DoesNotContain(after, e => e.StartsWith("tmp/staging-", StringComparison.Ordinal) || e.StartsWith("tmp/arbor", StringComparison.Ordinal));
        Assert.Equal(before, after);
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp));
        Tools.OstreeOk("fsck", "--repo=" + repo);
        return lines;
    }

    [Fact]
    public void A_missing_package_is_named_in_rpm_ostrees_words()
    {
        string err = FailsCleanly("missing", fx.Write("missing", "packages: [filesystem, busybox, no-such-package, nor-this]\n"));
        Assert.Equal("error: Packages not found: no-such-package, nor-this", err);
    }

    [Fact]
    public void An_unsatisfiable_request_names_the_missing_dependency_in_dnfs_words()
    {
        // libdnf's depsolve error as rpm-ostree prints it; the rule in the words of the real dnf
        // here (`dnf install needy` says the same, without the first line).
        var lines = FailsCleanlyLines("unsat", fx.Write("unsat", "packages: [filesystem, busybox, needy]\n"));
        Assert.Equal(["error: Could not depsolve transaction; 1 problem detected:", "Problem: conflicting requests",
            "- nothing provides libmissing >= 2 needed by needy-1-1.noarch"], lines);
    }

    [Fact]
    public void Two_packages_with_one_path_are_a_file_conflict_in_rpms_words()
    {
        string err = FailsCleanly("clash", fx.Write("clash", "packages: [filesystem, busybox, clash-a, clash-b]\n"));
        Assert.Matches(@"file /usr/share/clash from install of clash-[ab]-1-1\.noarch conflicts with file from package clash-[ab]-1-1\.noarch", err);
    }

    [Fact]
    public void A_failing_post_names_the_package_script_and_its_exit_status()
    {
        string err = FailsCleanly("failpost", fx.Write("failpost", "packages: [filesystem, busybox, failpost]\n"));
        Assert.Contains("Running %post for failpost", err, StringComparison.Ordinal);
        Assert.Contains("exited with code 3", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("flipped")]
    public void A_corrupt_package_in_the_repository_is_a_checksum_mismatch_against_its_repodata(string how)
    {
        string dir = fx.NewDir("fragile-" + how);
        string rpm = Path.Combine(dir, Path.GetFileName(fx.FragileRpm));
        File.Copy(fx.FragileRpm, rpm);
        Tools.ArborOk("rpm", "createrepo", dir);
        byte[] bytes = File.ReadAllBytes(rpm);
        if (how == "truncated")
            bytes = bytes[..(bytes.Length / 2)];
        else
            bytes[bytes.Length - 100] ^= 0x01;
        File.WriteAllBytes(rpm, bytes);

        string err = FailsCleanly("corrupt-" + how, fx.Write("corrupt-" + how, "packages: [filesystem, busybox, fragile]\n", ("fragile", "file://" + dir)));
        Assert.Contains("'fragile'", err, StringComparison.Ordinal);
        Assert.Contains("fragile-1-1.noarch.rpm", err, StringComparison.Ordinal);
        Assert.Contains("checksum mismatch", err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_package_corrupt_before_publishing_fails_its_payload_digest()
    {
        // The repodata's checksum is the corrupt file's own, so only the package's digest can tell.
        string dir = fx.NewDir("fragile-published");
        string rpm = Path.Combine(dir, Path.GetFileName(fx.FragileRpm));
        byte[] bytes = File.ReadAllBytes(fx.FragileRpm);
        bytes[^60] ^= 0xff;
        File.WriteAllBytes(rpm, bytes);
        Assert.Contains("DIGESTS NOT OK", Tools.Run("rpm", "-K", rpm).Stdout, StringComparison.Ordinal);
        Tools.ArborOk("rpm", "createrepo", dir);

        string err = FailsCleanly("corrupt-published", fx.Write("corrupt-published", "packages: [filesystem, busybox, fragile]\n", ("fragile", "file://" + dir)));
        Assert.Contains("Importing package 'fragile'", err, StringComparison.Ordinal);
        Assert.Contains("payload SHA256 digest mismatch", err, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreachable_repository_is_named_by_its_id()
    {
        string err = FailsCleanly("unreachable", fx.Write("unreachable", "packages: [filesystem, busybox]\n", ("deadrepo", "http://127.0.0.1:1/")));
        Assert.StartsWith("error: Updating metadata for 'deadrepo': repodata/repomd.xml: ", err, StringComparison.Ordinal);
        Assert.Contains("http://127.0.0.1:1/repodata/repomd.xml", err, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_treefile_key_is_named_with_its_file_and_line()
    {
        string treefile = fx.Write("badkey", "packages: [filesystem, busybox]\nbogus-key: 1\n");
        string err = FailsCleanly("badkey", treefile);
        // ref, repos, packages, then the bad key on line 4.
        Assert.Equal($"error: {treefile}: line 4, column 1: unknown key 'bogus-key'", err);
    }

    [Fact]
    public void A_treefile_value_of_the_wrong_type_is_named_with_its_file_line_and_key()
    {
        string treefile = fx.Write("badtype", "packages: [filesystem, busybox]\n\ndocumentation: [yes]\n");
        string err = FailsCleanly("badtype", treefile);
        Assert.StartsWith($"error: {treefile}: line 5, ", err, StringComparison.Ordinal);
        Assert.Contains("'documentation' must be true or false", err, StringComparison.Ordinal);
    }

    private const string Head = "ref: " + Ref + "\nrepos: [sample]\n";

    [Theory]
    [InlineData("include", Head + "packages: [filesystem]\ninclude: missing.yaml\n", 4, "'include'", "missing.yaml: No such file or directory")]
    [InlineData("unknown-repo", "ref: " + Ref + "\npackages: [filesystem]\n\nrepos: [sample, nosuchrepo]\n", 4, "'repos'", "'nosuchrepo'")]
    [InlineData("script", Head + "packages: [filesystem]\npostprocess-script: nothere.sh\n", 4, "'postprocess-script'", "nothere.sh")]
    [InlineData("ref-type", "repos: [sample]\npackages: [filesystem]\nref: [a, b]\n", 3, "'ref' must be a string", "")]
    public void Treefile_mistakes_are_named_with_their_file_line_and_key(string name, string content, int line, string key, string detail)
    {
        string treefile = fx.Write("tf-" + name, "");
        File.WriteAllText(treefile, content);
        string err = FailsCleanly("tf-" + name, treefile);
        Assert.StartsWith($"error: {treefile}: line {line}, ", err, StringComparison.Ordinal);
        Assert.Contains(key, err, StringComparison.Ordinal);
        Assert.Contains(detail, err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_repo_package_its_repository_lacks_is_named_with_the_repository()
    {
        string err = FailsCleanly("pin-missing", fx.Write("pin-missing",
            "packages: [filesystem, busybox]\nrepo-packages:\n  - repo: sample\n    packages: [greeting]\n", ("pinned", "file://" + fx.Pinned)));
        Assert.Equal("error: No matches for 'greeting' in repo 'sample'", err);
    }

    [Theory]
    [InlineData("syntax", "{\"a\": 1,\n  , }", "line 2, column 3: invalid JSON")]
    [InlineData("not-object", "[1, 2]", "the JSON must be an object")]
    [InlineData("empty", "", "line 1, column 1: invalid JSON")]
    public void Malformed_json_metadata_is_named_with_its_file_and_line(string name, string json, string where)
    {
        string file = Path.Combine(fx.NewDir("json-" + name), "meta.json");
        File.WriteAllText(file, json);
        string err = FailsCleanly("json-" + name, fx.Write("json-" + name, "packages: [filesystem, busybox]\n"), "--add-metadata-from-json=" + file);
        Assert.StartsWith($"error: {file}: {where}", err, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_json_metadata_file_is_named()
    {
        string file = Path.Combine(fx.NewDir("json-missing"), "absent.json");
        string err = FailsCleanly("json-missing", fx.Write("json-missing", "packages: [filesystem, busybox]\n"), "--add-metadata-from-json=" + file);
        Assert.Equal($"error: {file}: no such file", err);
    }

    [Fact]
    public void Json_metadata_of_every_type_reaches_the_commit()
    {
        string file = Path.Combine(fx.NewDir("json-good"), "meta.json");
        File.WriteAllText(file, """
            {"build.string": "hello", "build.number": 42, "build.negative": -7, "build.real": 1.5, "build.yes": true, "build.no": false,
             "build.list": ["a", 2, true], "build.nested": {"name": "x", "inner": {"n": 1}, "items": []}}
            """);
        string repo = fx.CopyOfGood("json-good");
        // Metadata options are not inputs (rpm-ostree leaves them out of the input hash), so the
        // unchanged treefile needs --force-nocache to make a commit.
        Tools.ArborOk("compose", "tree", "--repo=" + repo, "--cachedir=" + fx.NewDir("cache-json-good"), "--force-nocache", "--add-metadata-from-json=" + file,
            fx.Write("json-good", "packages: [filesystem, busybox]\n"));
        // --no-byteswap: commit metadata is little-endian (as rpm-ostree and ostree commit write
        // it); ostree show would otherwise swap numbers as if the commit were big-endian.
        string Meta(string key) => Tools.OstreeOk("--repo=" + repo, "show", "--no-byteswap", "--print-metadata-key=" + key, Ref).Stdout.Trim();
        Assert.Equal("'hello'", Meta("build.string"));
        Assert.Equal("int64 42", Meta("build.number"));
        Assert.Equal("int64 -7", Meta("build.negative"));
        Assert.Equal("1.5", Meta("build.real"));
        Assert.Equal("true", Meta("build.yes"));
        Assert.Equal("false", Meta("build.no"));
        Assert.Equal("[<'a'>, <int64 2>, <true>]", Meta("build.list"));
        Assert.Equal("{'name': <'x'>, 'inner': <{'n': <int64 1>}>, 'items': <@av []>}", Meta("build.nested"));
        Assert.Equal(fx.GoodCommit, Tools.OstreeOk("--repo=" + repo, "rev-parse", Ref + "^").Stdout.Trim());
        Tools.OstreeOk("fsck", "--repo=" + repo);
    }

    [Fact]
    public void Write_commitid_to_commits_on_top_of_the_ref_without_moving_it()
    {
        string repo = fx.CopyOfGood("commitid");
        string idFile = Path.Combine(fx.NewDir("commitid"), "id");
        Tools.ArborOk("compose", "tree", "--repo=" + repo, "--cachedir=" + fx.NewDir("cache-commitid"), "--write-commitid-to=" + idFile,
            fx.Write("commitid", "packages: [filesystem, busybox, greeting]\n"));
        string id = File.ReadAllText(idFile);
        Assert.Matches("^[0-9a-f]{64}$", id);
        Assert.Equal(fx.GoodCommit, Tools.OstreeOk("--repo=" + repo, "rev-parse", Ref).Stdout.Trim());
        Assert.Equal(fx.GoodCommit, Tools.OstreeOk("--repo=" + repo, "rev-parse", id + "^").Stdout.Trim());
        Tools.OstreeOk("fsck", "--repo=" + repo);
    }

    [Fact]
    public void Repo_packages_install_from_their_repository_even_when_another_has_a_newer_version()
    {
        string repo = fx.CopyOfGood("pinned");
        // Unpinned, greeting 2.0 from extras wins; pinned, 1.0 from its repository.
        var r = Tools.ArborOk("compose", "tree", "--repo=" + repo, "--cachedir=" + fx.NewDir("cache-pinned"), fx.Write("pinned",
            "packages: [filesystem, busybox]\nrepo-packages:\n  - repo: pinned\n    packages: [greeting]\n", ("pinned", "file://" + fx.Pinned)));
        Assert.Contains("  greeting-1.0-1.noarch (pinned)", r.Stdout, StringComparison.Ordinal);
        Assert.Equal("old", Tools.OstreeOk("--repo=" + repo, "cat", Ref, "/usr/share/greeting").Stdout.Trim());
        Assert.Contains("('greeting', '0', '1.0', '1', 'noarch')",
            Tools.OstreeOk("--repo=" + repo, "show", "--print-metadata-key=rpmostree.rpmdb.pkglist", Ref).Stdout, StringComparison.Ordinal);

        var plain = Tools.ArborOk("compose", "tree", "--repo=" + repo, "--cachedir=" + fx.NewDir("cache-unpinned"), "--dry-run", fx.Write("unpinned",
            "packages: [filesystem, busybox, greeting]\n", ("pinned", "file://" + fx.Pinned)));
        Assert.Contains("  greeting-2.0-1.noarch (extras)", plain.Stdout, StringComparison.Ordinal);
        Tools.OstreeOk("fsck", "--repo=" + repo);
    }
}
