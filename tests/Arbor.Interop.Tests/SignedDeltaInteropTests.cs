// Signed static deltas across the two tools. Debian's ostree is built without ed25519, so the real
// tool cannot make or check ed25519 signatures; it does carry ostree's test engine "dummy"
// (enabled by OSTREE_DUMMY_SIGN_ENABLED=1), which writes and verifies the very same signed
// superblock wrapper. So: dummy-signed deltas go both ways through generate, show, verify and
// apply-offline with identical output, the wrapper Arbor builds around ostree's own superblock is
// byte-identical to ostree's file, and ed25519-signed deltas from Arbor are shown and applied by
// ostree (which reads the wrapper and skips the check it cannot do) while Arbor verifies them
// with inline keys, --keys-file and --keys-dir. Delta indexes built by both tools agree on the
// digest of a signed superblock. Refusals — wrong key, unsigned delta, sign-verify-deltas without
// a key — match ostree's messages and leave no to-commit behind.
using Arbor.Ostree.Deltas;

namespace Arbor.Interop.Tests;

public sealed class SignedDeltaInteropTests : IDisposable
{
    private const string DummyOn = "OSTREE_DUMMY_SIGN_ENABLED=1";

    // RFC 8032 TEST 1 key in ostree's forms: secret = seed + public (64 bytes), public (32 bytes).
    private const string Secret = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2DXWpgBgrEKt9VL/tPJZAc6DuFy89qmIyWvAhpo9wdRGg==";
    private const string Public = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    private const string PublicHex = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    private const string OtherPublic = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    private readonly string _root = Directory.CreateTempSubdirectory("arbor-sdelta-").FullName;
    private readonly string _src;
    private readonly string _from;
    private readonly string _to;

    public SignedDeltaInteropTests()
    {
        _src = P("src");
        Tools.OstreeOk("init", $"--repo={_src}", "--mode=archive");
        var t = P("tree");
        Directory.CreateDirectory(Path.Combine(t, "usr/bin"));
        File.WriteAllText(Path.Combine(t, "usr/bin/tool"), "#!/bin/sh\necho one\n");
        File.WriteAllText(Path.Combine(t, "README"), "first\n");
        _from = Tools.OstreeOk("commit", $"--repo={_src}", "-b", "main", $"--tree=dir={t}", "-s", "one").Stdout.Trim();
        File.WriteAllText(Path.Combine(t, "usr/bin/tool"), "#!/bin/sh\necho two\n");
        File.WriteAllText(Path.Combine(t, "NEW"), new string('n', 3000));
        _to = Tools.OstreeOk("commit", $"--repo={_src}", "-b", "main", $"--tree=dir={t}", "-s", "two").Stdout.Trim();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string P(string name) => Path.Combine(_root, name);

    private string DeltaName => $"{_from}-{_to}";

    /// <summary>Runs ostree (or arbor ostree) with the dummy engine enabled.</summary>
    private static ProcessResult Run(bool arbor, params string[] args) =>
        arbor ? Tools.Run("env", [DummyOn, Tools.ArborBin, "ostree", .. args]) : Tools.Run("env", [DummyOn, Tools.Ostree, .. args]);

    private static ProcessResult Ok(bool arbor, params string[] args)
    {
        var r = Run(arbor, args);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    /// <summary>Generates the from→to delta into the source repository and returns its superblock path.</summary>
    private string Generate(bool arbor, params string[] signing)
    {
        Ok(arbor, ["static-delta", "generate", $"--repo={_src}", $"--from={_from}", $"--to={_to}", .. signing]);
        var dir = Directory.GetDirectories(Path.Combine(_src, "deltas"), "*", SearchOption.AllDirectories).Single(d => File.Exists(Path.Combine(d, "superblock")));
        return Path.Combine(dir, "superblock");
    }

    private string Target(string name)
    {
        var repo = P(name);
        Tools.OstreeOk("init", $"--repo={repo}", "--mode=bare-user");
        Tools.OstreeOk("pull-local", $"--repo={repo}", _src, _from);
        return repo;
    }

    private void AssertApplied(string repo)
    {
        Tools.OstreeOk("fsck", $"--repo={repo}");
        Assert.Equal(Tools.OstreeOk("ls", $"--repo={_src}", "-R", "-C", _to).Stdout, Tools.OstreeOk("ls", $"--repo={repo}", "-R", "-C", _to).Stdout);
    }

    private static void AssertNoCommit(string repo, string commit) =>
        Assert.NotEqual(0, Tools.OstreeRun("show", $"--repo={repo}", commit).ExitCode);

    private static void AssertSameResult(ProcessResult ostree, ProcessResult arbor)
    {
        Assert.True(ostree.ExitCode == arbor.ExitCode, $"ostree: {ostree}\narbor: {arbor}");
        Assert.Equal(ostree.Stdout, arbor.Stdout);
        Assert.Equal(ostree.Stderr, arbor.Stderr);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Dummy_signed_delta_from_one_tool_is_shown_verified_and_applied_by_both(bool arborGenerates)
    {
        var sb = Generate(arborGenerates, "--sign-type=dummy", "--sign=foo", "--sign=bar");
        Assert.Equal("OSTSGNDT"u8.ToArray(), File.ReadAllBytes(sb)[..8]);

        var show = Ok(false, "static-delta", "show", $"--repo={_src}", DeltaName);
        Assert.Contains("Signed: yes\n", show.Stdout, StringComparison.Ordinal);
        AssertSameResult(show, Run(true, "static-delta", "show", $"--repo={_src}", DeltaName));

        foreach (string[] args in new string[][]
        {
            ["static-delta", "verify", $"--repo={_src}", "--sign-type=dummy", DeltaName, "foo"],
            ["static-delta", "verify", $"--repo={_src}", "--sign-type=dummy", sb, "bar"],
            ["static-delta", "verify", $"--repo={_src}", "--sign-type=dummy", DeltaName, "baz"],
            ["static-delta", "verify", $"--repo={_src}", "--sign-type=dummy", DeltaName],
        })
        {
            AssertSameResult(Run(false, args), Run(true, args));
        }
        Assert.Equal("Verification OK\n", Ok(true, "static-delta", "verify", $"--repo={_src}", "--sign-type=dummy", DeltaName, "foo").Stdout);

        foreach (bool arborApplies in new[] { false, true })
        {
            var repo = Target($"dst-{arborApplies}");
            var wrong = Run(arborApplies, "static-delta", "apply-offline", $"--repo={repo}", "--sign-type=dummy", Path.GetDirectoryName(sb)!, "baz");
            Assert.Equal(1, wrong.ExitCode);
            Assert.Equal("error: signature: dummy: incorrect signatures found: 2\n", wrong.Stderr);
            AssertNoCommit(repo, _to);
            Ok(arborApplies, "static-delta", "apply-offline", $"--repo={repo}", "--sign-type=dummy", Path.GetDirectoryName(sb)!, "foo");
            AssertApplied(repo);
        }
    }

    [Fact]
    public void Arbor_wraps_ostrees_own_superblock_into_ostrees_exact_signed_file()
    {
        var file = File.ReadAllBytes(Generate(false, "--sign-type=dummy", "--sign=foo", "--sign=bar"));
        var inner = DeltaSignatures.Unwrap(file);
        Assert.Equal(file, DeltaSignatures.Wrap(inner.Span, "ostree.sign.dummy", ["foo"u8.ToArray(), "bar"u8.ToArray()]));
        var parsed = DeltaSuperblock.Parse(file);
        Assert.True(parsed.Signed);
        Assert.Equal(_to, parsed.To.ToString());
    }

    [Fact]
    public void Ed25519_signed_delta_from_arbor_is_shown_and_applied_by_ostree_and_verified_by_arbor()
    {
        var sb = Generate(true, $"--sign={Secret}");
        var show = Tools.OstreeOk("static-delta", "show", $"--repo={_src}", DeltaName);
        Assert.Contains("Signed: yes\n", show.Stdout, StringComparison.Ordinal);
        Assert.Equal(show.Stdout, Tools.ArborOk("ostree", "static-delta", "show", $"--repo={_src}", DeltaName).Stdout);

        // Whether the installed ostree can check ed25519 decides what it must say; it must never disagree.
        var ostreeVerify = Tools.OstreeRun("static-delta", "verify", $"--repo={_src}", DeltaName, Public);
        if (ostreeVerify.ExitCode == 0)
            Assert.Equal("Verification OK\n", ostreeVerify.Stdout);
        else
            Assert.Equal("error: Requested signature type is not implemented\n", ostreeVerify.Stderr);

        Assert.Equal("Verification OK\n", Tools.ArborOk("ostree", "static-delta", "verify", $"--repo={_src}", DeltaName, Public).Stdout);
        var keysFile = P("trusted.keys");
        File.WriteAllText(keysFile, OtherPublic + "\n" + Public + "\n");
        Tools.ArborOk("ostree", "static-delta", "verify", $"--repo={_src}", $"--keys-file={keysFile}", sb);
        var keysDir = P("keysdir");
        Directory.CreateDirectory(Path.Combine(keysDir, "trusted.ed25519.d"));
        File.WriteAllText(Path.Combine(keysDir, "trusted.ed25519.d", "vendor"), Public + "\n");
        Tools.ArborOk("ostree", "static-delta", "verify", $"--repo={_src}", $"--keys-dir={keysDir}", DeltaName);

        var wrong = Tools.Arbor("ostree", "static-delta", "verify", $"--repo={_src}", DeltaName, OtherPublic);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Equal("Verification fails\n", wrong.Stdout);
        Assert.Equal($"error: ed25519: Signature couldn't be verified with: key '{new string('0', 64)}'\n", wrong.Stderr);

        // ostree without ed25519 applies it unverified; Arbor with the right key verifies first.
        var byOstree = Target("dst-ostree");
        Tools.OstreeOk("static-delta", "apply-offline", $"--repo={byOstree}", sb);
        AssertApplied(byOstree);
        var byArbor = Target("dst-arbor");
        var refused = Tools.Arbor("ostree", "static-delta", "apply-offline", $"--repo={byArbor}", sb, OtherPublic);
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith("error: ed25519: Signature couldn't be verified with: key '", refused.Stderr, StringComparison.Ordinal);
        AssertNoCommit(byArbor, _to);
        Tools.ArborOk("ostree", "static-delta", "apply-offline", $"--repo={byArbor}", sb, Public);
        AssertApplied(byArbor);
    }

    [Fact]
    public void Tampered_ed25519_superblock_is_refused_by_arbor()
    {
        var sb = Generate(true, $"--sign={Secret}");
        var bytes = File.ReadAllBytes(sb);
        // The timestamp field of the wrapped superblock: the file still parses, the signature no longer holds.
        var parsed = DeltaSuperblock.Parse(bytes);
        var signatures = Assert.IsType<Arbor.Ostree.GVariant.GVArray>(Assert.Single(parsed.Signatures).Value).Items
            .Select(i => Assert.IsType<Arbor.Ostree.GVariant.GVBytes>(i).Value.ToArray()).ToList();
        var forged = DeltaSignatures.Wrap((parsed with { Timestamp = parsed.Timestamp + 1 }).Serialize(), "ostree.sign.ed25519", signatures);
        Assert.NotEqual(DeltaSignatures.Unwrap(bytes).ToArray(), DeltaSignatures.Unwrap(forged).ToArray());
        File.WriteAllBytes(sb, forged);
        Assert.Contains("Signed: yes\n", Tools.OstreeOk("static-delta", "show", $"--repo={_src}", DeltaName).Stdout, StringComparison.Ordinal);
        var r = Tools.Arbor("ostree", "static-delta", "verify", $"--repo={_src}", DeltaName, Public);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"error: ed25519: Signature couldn't be verified with: key '{PublicHex}'\n", r.Stderr);
        var repo = Target("dst");
        Assert.Equal(1, Tools.Arbor("ostree", "static-delta", "apply-offline", $"--repo={repo}", sb, Public).ExitCode);
        AssertNoCommit(repo, _to);
    }

    [Fact]
    public void Unsigned_delta_verify_fails_like_ostree()
    {
        Generate(false);
        string[] args = ["static-delta", "verify", $"--repo={_src}", "--sign-type=dummy", DeltaName, "foo"];
        var o = Run(false, args);
        Assert.Equal("Verification fails\n", o.Stdout);
        Assert.Equal("error: no signatures in static-delta\n", o.Stderr);
        AssertSameResult(o, Run(true, args));
        var ed = Tools.Arbor("ostree", "static-delta", "verify", $"--repo={_src}", DeltaName, Public);
        Assert.Equal(1, ed.ExitCode);
        Assert.Equal("error: no signatures in static-delta\n", ed.Stderr);
    }

    [Fact]
    public void Sign_verify_deltas_needs_a_key_in_both_tools()
    {
        var sb = Generate(true, "--sign-type=dummy", "--sign=foo");
        foreach (bool arbor in new[] { false, true })
        {
            var repo = Target($"dst-{arbor}");
            Tools.OstreeOk("config", $"--repo={repo}", "set", "core.sign-verify-deltas", "true");
            var r = Run(arbor, "static-delta", "apply-offline", $"--repo={repo}", "--sign-type=dummy", sb);
            Assert.Equal(1, r.ExitCode);
            Assert.Equal("error: Key is mandatory to check delta signature\n", r.Stderr);
            AssertNoCommit(repo, _to);
            Ok(arbor, "static-delta", "apply-offline", $"--repo={repo}", "--sign-type=dummy", sb, "foo");
            AssertApplied(repo);
        }
    }

    [Fact]
    public void Delta_indexes_of_a_signed_delta_are_byte_identical()
    {
        // Secret keys may also come one a line from --keys-file.
        var secrets = P("secret.keys");
        File.WriteAllText(secrets, Secret + "\n");
        var sb = Generate(true, $"--keys-file={secrets}");
        Tools.ArborOk("ostree", "static-delta", "verify", $"--repo={_src}", DeltaName, Public);
        var copy = P("copy");
        Tools.RunOk("cp", "-a", _src, copy);
        Tools.OstreeOk("static-delta", "reindex", $"--repo={_src}");
        Tools.ArborOk("ostree", "static-delta", "reindex", $"--repo={copy}");
        var index = DeltaIndexes.IndexRelativePath(Arbor.Ostree.Objects.Checksum.Parse(_to));
        Assert.Equal(File.ReadAllBytes(Path.Combine(_src, index)), File.ReadAllBytes(Path.Combine(copy, index)));
        // The digest is over the whole signed file, as in the summary.
        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(sb)));
        Tools.OstreeOk("summary", $"--repo={_src}", "-u");
        var view = Tools.OstreeOk("summary", $"--repo={_src}", "--view").Stdout;
        var bytes = string.Join(", ", Convert.FromHexString(digest).Select(b => $"0x{b:x2}"));
        Assert.Contains($"'{DeltaName}': <[byte {bytes}]>", view, StringComparison.Ordinal);
    }

    [Fact]
    public void Dummy_engine_is_refused_without_the_test_switch_and_writes_nothing()
    {
        var r = Tools.Arbor("ostree", "static-delta", "generate", $"--repo={_src}", $"--from={_from}", $"--to={_to}", "--sign-type=dummy", "--sign=foo");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("error: dummy signature type is only for ostree testing\n", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_src, "deltas")) && Directory.EnumerateFiles(Path.Combine(_src, "deltas"), "*", SearchOption.AllDirectories).Any());
        // ostree ends with the same line (after writing its parts and its progress lines).
        Assert.EndsWith(r.Stderr, Tools.OstreeRun("static-delta", "generate", $"--repo={_src}", $"--from={_from}", $"--to={_to}", "--sign-type=dummy", "--sign=foo").Stderr, StringComparison.Ordinal);
    }
}
