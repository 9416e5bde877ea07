// GPG and ed25519 signatures against the real ostree: commits and summaries signed by Arbor verify
// with ostree (show --gpg-verify-remote, pull with gpg-verify=true and gpg-verify-summary=true
// from a file:// remote) and the other way round; pulls refuse unsigned commits, commits whose
// signature belongs to another commit, and signatures by keys the remote does not trust, and the
// ref does not move. Throwaway keys live in one GnuPG home per test run.
namespace Arbor.Interop.Tests;

/// <summary>Two throwaway ed25519 OpenPGP keys: one the remotes trust, one they do not.</summary>
public sealed class GpgKeys : IDisposable
{
    public string Home { get; }
    public string Trusted { get; }
    public string Unknown { get; }
    public string TrustedPublic { get; }

    public GpgKeys()
    {
        var gpg = Tools.Require("gpg", "apt-get install -y gpg");
        Tools.Require("gpgv", "apt-get install -y gpgv");
        Home = Directory.CreateTempSubdirectory("arbor-gpg-").FullName;
        File.SetUnixFileMode(Home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Trusted = Generate(gpg, "Arbor Test <test@example.com>");
        Unknown = Generate(gpg, "Stranger <stranger@example.com>");
        TrustedPublic = Path.Combine(Home, "trusted.asc");
        File.WriteAllText(TrustedPublic, Tools.RunOk(gpg, "--homedir", Home, "--batch", "--armor", "--export", Trusted).Stdout);
    }

    private string Generate(string gpg, string uid)
    {
        Tools.RunOk(gpg, "--homedir", Home, "--batch", "--passphrase", "", "--quick-gen-key", uid, "ed25519", "sign", "never");
        var colons = Tools.RunOk(gpg, "--homedir", Home, "--batch", "--with-colons", "--list-keys", uid).Stdout;
        return colons.Split('\n').First(l => l.StartsWith("fpr:", StringComparison.Ordinal)).Split(':')[9];
    }

    public void Dispose()
    {
        Tools.Run("gpgconf", "--homedir", Home, "--kill", "gpg-agent");
        Directory.Delete(Home, recursive: true);
    }
}

public sealed class SigningInteropTests : IClassFixture<GpgKeys>, IDisposable
{
    private readonly GpgKeys _keys;
    private readonly string _dir = Directory.CreateTempSubdirectory("arbor-sign-").FullName;

    public SigningInteropTests(GpgKeys keys) => _keys = keys;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private string Tree()
    {
        var t = P("tree");
        if (!Directory.Exists(t))
        {
            Directory.CreateDirectory(Path.Combine(t, "usr/bin"));
            File.WriteAllText(Path.Combine(t, "usr/bin/tool"), "#!/bin/sh\necho hi\n");
            File.WriteAllText(Path.Combine(t, "README"), "signed content\n");
        }
        return t;
    }

    private static string[] Ostree(bool arbor, params string[] args) => arbor ? ["ostree", .. args] : args;

    private ProcessResult Ok(bool arbor, params string[] args) => arbor ? Tools.ArborOk(Ostree(true, args)) : Tools.OstreeOk(args);

    private ProcessResult Try(bool arbor, params string[] args) => arbor ? Tools.Arbor(Ostree(true, args)) : Tools.OstreeRun(args);

    private string Init(bool arbor, string name, string mode = "archive")
    {
        var repo = P(name);
        Ok(arbor, "init", $"--repo={repo}", $"--mode={mode}");
        return repo;
    }

    private string Commit(bool arbor, string repo, string branch, params string[] extra) =>
        Ok(arbor, ["commit", $"--repo={repo}", "-b", branch, $"--tree=dir={Tree()}", "-s", "subject " + Guid.NewGuid(), .. extra]).Stdout.Trim();

    private void AddRemote(bool arbor, string repo, string name, string src, params string[] sets)
    {
        Ok(arbor, ["remote", "add", $"--repo={repo}", .. sets.Select(s => "--set=" + s), name, "file://" + src]);
        Ok(arbor, "remote", "gpg-import", $"--repo={repo}", "-k", _keys.TrustedPublic, name);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Signed_commit_verifies_in_the_other_tool_and_show_output_matches(bool signWithArbor)
    {
        var repo = Init(signWithArbor, "repo");
        var c = Commit(signWithArbor, repo, "main", $"--gpg-sign={_keys.Trusted}", $"--gpg-homedir={_keys.Home}");
        // No keyring yet: the key is unknown to both.
        Assert.Equal(Tools.OstreeOk("show", $"--repo={repo}", c).Stdout, Tools.ArborOk("ostree", "show", $"--repo={repo}", c).Stdout);
        Assert.Contains("Can't check signature: public key not found", Tools.ArborOk("ostree", "show", $"--repo={repo}", c).Stdout, StringComparison.Ordinal);
        AddRemote(signWithArbor, repo, "origin", P("nowhere"));
        var theirs = Try(!signWithArbor, "show", $"--repo={repo}", "--gpg-verify-remote=origin", c);
        Assert.True(theirs.ExitCode == 0, theirs.ToString());
        Assert.Contains("Found 1 signature:", theirs.Stdout, StringComparison.Ordinal);
        Assert.Contains("Good signature from \"Arbor Test <test@example.com>\"", theirs.Stdout, StringComparison.Ordinal);
        var ours = Try(signWithArbor, "show", $"--repo={repo}", "--gpg-verify-remote=origin", c);
        Assert.Equal(theirs.Stdout, ours.Stdout);
        // Without a remote, every REPO/*.gpg keyring is trusted.
        Assert.Equal(Tools.OstreeOk("show", $"--repo={repo}", c).Stdout, Tools.ArborOk("ostree", "show", $"--repo={repo}", c).Stdout);
        // Same keyring file and same key listing.
        Assert.Equal(Tools.OstreeOk("remote", "gpg-list-keys", $"--repo={repo}", "origin").Stdout,
            Tools.ArborOk("ostree", "remote", "gpg-list-keys", $"--repo={repo}", "origin").Stdout);
    }

    [Fact]
    public void Gpg_sign_adds_signatures_ostree_counts_and_delete_removes_them()
    {
        var repo = Init(true, "repo");
        var c = Commit(true, repo, "main");
        Tools.ArborOk("ostree", "gpg-sign", $"--repo={repo}", $"--gpg-homedir={_keys.Home}", c, _keys.Trusted, _keys.Unknown);
        var again = Tools.Arbor("ostree", "gpg-sign", $"--repo={repo}", $"--gpg-homedir={_keys.Home}", c, _keys.Trusted);
        // Arbor recognises its own key by the signature's issuer fingerprint even without a keyring.
        Assert.Equal(1, again.ExitCode);
        Assert.Contains($"Commit is already signed with GPG key {_keys.Trusted}", again.Stderr, StringComparison.Ordinal);
        Tools.OstreeOk("gpg-sign", $"--repo={repo}", $"--gpg-homedir={_keys.Home}", c, _keys.Trusted);
        AddRemote(true, repo, "origin", P("nowhere"));
        var show = Tools.OstreeOk("show", $"--repo={repo}", "--gpg-verify-remote=origin", c).Stdout;
        Assert.Contains("Found 3 signatures:", show, StringComparison.Ordinal);
        Assert.Contains("Can't check signature: public key not found", show, StringComparison.Ordinal);
        var del = Tools.ArborOk("ostree", "gpg-sign", $"--repo={repo}", "--delete", c, _keys.Trusted[^16..]);
        Assert.Equal("Signatures deleted: 2\n", del.Stdout);
        show = Tools.OstreeOk("show", $"--repo={repo}", "--gpg-verify-remote=origin", c).Stdout;
        Assert.Contains("Found 1 signature:", show, StringComparison.Ordinal);
        Assert.Contains("key ID " + _keys.Unknown[^16..], show, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Pull_with_gpg_verify_accepts_signed_commit_and_summary_from_the_other_tool(bool serveArbor)
    {
        var src = Init(serveArbor, "src");
        var c = Commit(serveArbor, src, "main", $"--gpg-sign={_keys.Trusted}", $"--gpg-homedir={_keys.Home}");
        Ok(serveArbor, "summary", "-u", $"--repo={src}", $"--gpg-sign={_keys.Trusted}", $"--gpg-homedir={_keys.Home}");
        Assert.True(File.Exists(Path.Combine(src, "summary.sig")));
        var dst = Init(!serveArbor, "dst");
        AddRemote(!serveArbor, dst, "origin", src, "gpg-verify=true", "gpg-verify-summary=true");
        var pull = Try(!serveArbor, "pull", $"--repo={dst}", "origin", "main");
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal(c, Tools.OstreeOk("rev-parse", $"--repo={dst}", "origin:main").Stdout.Trim());
        Tools.OstreeOk("fsck", $"--repo={dst}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Pull_refuses_unsigned_foreign_and_unknown_key_signatures_and_ref_stays(bool pullWithArbor)
    {
        var src = Init(true, "src");
        var good = Commit(true, src, "main", $"--gpg-sign={_keys.Trusted}", $"--gpg-homedir={_keys.Home}");
        var dst = Init(pullWithArbor, "dst");
        AddRemote(pullWithArbor, dst, "origin", src);
        var ok = Try(pullWithArbor, "pull", $"--repo={dst}", "origin", "main");
        Assert.True(ok.ExitCode == 0, ok.ToString());

        void Refused(string commit, string expect)
        {
            var r = Try(pullWithArbor, "pull", $"--repo={dst}", "origin", "main");
            Assert.True(r.ExitCode != 0, r.ToString());
            Assert.Contains(expect, r.Stderr, StringComparison.Ordinal);
            Assert.Contains(commit, r.Stderr, StringComparison.Ordinal);
            Assert.Equal(good, Tools.OstreeOk("rev-parse", $"--repo={dst}", "origin:main").Stdout.Trim());
        }

        var unsigned = Commit(true, src, "main");
        Refused(unsigned, "no signatures found");

        var stranger = Commit(true, src, "main", $"--gpg-sign={_keys.Unknown}", $"--gpg-homedir={_keys.Home}");
        Refused(stranger, "public key not found");

        // A valid signature, but of another commit.
        var foreign = Commit(true, src, "main");
        File.Copy(MetaPath(src, good), MetaPath(src, foreign));
        Refused(foreign, "BAD signature");

        Assert.Equal(0, Tools.Arbor("ostree", "pull", $"--repo={dst}", "--no-gpg-verify", "origin", "main").ExitCode);
        Assert.Equal(foreign, Tools.OstreeOk("rev-parse", $"--repo={dst}", "origin:main").Stdout.Trim());
    }

    [Fact]
    public void Pull_refuses_a_summary_signed_by_an_unknown_key()
    {
        var src = Init(true, "src");
        Commit(true, src, "main", $"--gpg-sign={_keys.Trusted}", $"--gpg-homedir={_keys.Home}");
        Tools.ArborOk("ostree", "summary", "-u", $"--repo={src}", $"--gpg-sign={_keys.Unknown}", $"--gpg-homedir={_keys.Home}");
        var dst = Init(true, "dst");
        AddRemote(true, dst, "origin", src, "gpg-verify-summary=true");
        var r = Tools.Arbor("ostree", "pull", $"--repo={dst}", "origin", "main");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("public key not found", r.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dst, "refs/remotes/origin/main")));
        var o = Tools.OstreeRun("pull", $"--repo={dst}", "origin", "main");
        Assert.NotEqual(0, o.ExitCode);
    }

    [Fact]
    public void Ed25519_sign_verify_and_pull_with_sign_verify()
    {
        var src = Init(true, "src");
        var secret = Convert.ToBase64String(NewSecret(out var pub));
        var otherSecret = Convert.ToBase64String(NewSecret(out _));
        var c = Commit(true, src, "main", $"--sign={secret}");
        var v = Tools.ArborOk("ostree", "sign", $"--repo={src}", "--verify", c, Convert.ToBase64String(pub));
        Assert.Equal($"ed25519: Signature verified successfully with key '{Convert.ToHexStringLower(pub)}'\n", v.Stdout);
        File.WriteAllText(P("trusted.ed25519"), Convert.ToBase64String(pub) + "\n");
        Tools.ArborOk("ostree", "sign", $"--repo={src}", "--verify", $"--keys-file={P("trusted.ed25519")}", c);

        var dst = Init(true, "dst");
        Tools.ArborOk("ostree", "remote", "add", $"--repo={dst}", "--no-gpg-verify", "--set=sign-verify=true",
            $"--set=verification-ed25519-file={P("trusted.ed25519")}", "origin", "file://" + src);
        Tools.ArborOk("ostree", "pull", $"--repo={dst}", "origin", "main");

        var unsigned = Commit(true, src, "main");
        var r = Tools.Arbor("ostree", "pull", $"--repo={dst}", "origin", "main");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(unsigned, r.Stderr, StringComparison.Ordinal);
        var wrong = Commit(true, src, "main", $"--sign={otherSecret}");
        r = Tools.Arbor("ostree", "pull", $"--repo={dst}", "origin", "main");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("ed25519: Signature couldn't be verified with: key '" + Convert.ToHexStringLower(pub) + "'", r.Stderr, StringComparison.Ordinal);
        Assert.Contains(wrong, r.Stderr, StringComparison.Ordinal);
        Assert.Equal(c, Tools.ArborOk("ostree", "rev-parse", $"--repo={dst}", "origin:main").Stdout.Trim());

        // The real ostree reads the same detached metadata (its build lacks ed25519, so it only shows it).
        // glib prints a signature that happens to end in NUL as b'…', so compare with Arbor's print.
        var meta = Tools.OstreeOk("show", $"--repo={src}", "--print-detached-metadata-key=ostree.sign.ed25519", wrong).Stdout;
        Assert.StartsWith("[", meta, StringComparison.Ordinal);
        Assert.Equal(meta, Tools.ArborOk("ostree", "show", $"--repo={src}", "--print-detached-metadata-key=ostree.sign.ed25519", wrong).Stdout);
    }

    [Fact]
    public void Signing_keeps_other_detached_keys_in_the_order_ostree_writes_them()
    {
        // ostree rewrites detached metadata through a hash table when it adds or removes a
        // signature; the keys must come out in the same order from both tools.
        string[] detached = ["--add-detached-metadata-string=zeta=1", "--add-detached-metadata-string=alpha=2",
            "--add-detached-metadata-string=org.example.build=3", "--add-detached-metadata-string=m=4"];
        List<string> KeysAfter(bool arbor, bool delete)
        {
            var repo = Init(false, $"order-{arbor}-{delete}");
            var c = Commit(false, repo, "main", detached);
            Ok(arbor, "gpg-sign", $"--repo={repo}", $"--gpg-homedir={_keys.Home}", c, _keys.Trusted);
            if (delete)
            {
                // ostree finds the signature to delete through the keys its remotes trust.
                AddRemote(false, repo, "origin", P("nowhere"));
                Ok(arbor, "gpg-sign", $"--repo={repo}", $"--gpg-homedir={_keys.Home}", "--delete", c, _keys.Trusted[^16..]);
            }
            var view = new Arbor.Ostree.GVariant.GVariantView(Arbor.Ostree.GVariant.GVariantType.VarDict, File.ReadAllBytes(MetaPath(repo, c)));
            return Arbor.Ostree.Objects.Commit.MetadataFromView(view).Select(e => e.Key).ToList();
        }
        var signedByOstree = KeysAfter(false, delete: false);
        Assert.Contains("ostree.gpgsigs", signedByOstree);
        Assert.Equal(signedByOstree, KeysAfter(true, delete: false));
        var deletedByOstree = KeysAfter(false, delete: true);
        Assert.DoesNotContain("ostree.gpgsigs", deletedByOstree);
        Assert.Equal(deletedByOstree, KeysAfter(true, delete: true));
    }

    private static byte[] NewSecret(out byte[] pub)
    {
        var (seed, p) = Arbor.Native.Ed25519.GenerateKeyPair();
        pub = p;
        return [.. seed, .. p];
    }

    private static string MetaPath(string repo, string commit) => Path.Combine(repo, "objects", commit[..2], commit[2..] + ".commitmeta");
}
