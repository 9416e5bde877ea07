// Package signatures against the real tools: packages signed by `rpmsign` with throwaway RSA keys
// are checked by `rpm -K` (key imported into a scratch rpmdb) and by Arbor, and both must agree:
// good, no key (another signer), bad (header changed after signing). An unsigned package is
// refused, key files decode to the same bytes `gpg --dearmor` gives, and a gpgcheck=1 repository
// delivers signed packages and refuses unsigned ones without leaving anything in --destdir.
using Arbor.Cli;
using Arbor.Rpm.Package;

namespace Arbor.Rpm.Tests;

/// <summary>A gpg home with two signing keys, the trusted one imported into a scratch rpmdb.</summary>
public sealed class SigningKeys : IDisposable
{
    public SigningKeys()
    {
        Dir = Tools.TempDir("sigkeys");
        Home = Path.Combine(Dir, "gnupg");
        Directory.CreateDirectory(Home);
        File.SetUnixFileMode(Home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var uid in new[] { Trusted, Other })
            Tools.Run("gpg", ["--homedir", Home, "--batch", "--passphrase", "", "--quick-gen-key", uid, "rsa2048", "sign", "never"]);
        TrustedKey = Path.Combine(Dir, "trusted.asc");
        File.WriteAllText(TrustedKey, Tools.Run("gpg", ["--homedir", Home, "--armor", "--export", Trusted]));
        RpmDb = Path.Combine(Dir, "rpmdb");
        Directory.CreateDirectory(RpmDb);
        Tools.Run("rpm", ["--dbpath", RpmDb, "--initdb"]);
        Tools.Run("rpm", ["--dbpath", RpmDb, "--import", TrustedKey]);
    }

    public const string Trusted = "Arbor Packages <packages@example.com>";
    public const string Other = "Somebody Else <else@example.com>";

    public string Dir { get; }
    public string Home { get; }
    public string TrustedKey { get; }
    public string RpmDb { get; }

    /// <summary>A copy of the rpmbuild-made test package at <paramref name="path"/>, signed by <paramref name="uid"/> (or not when null).</summary>
    public string Package(string path, string? uid)
    {
        File.Copy(Tools.BuildRpm("w19.zstdio"), path, overwrite: true);
        if (uid != null)
        {
            Tools.Run("rpmsign", ["--addsign", "--define", "__gpg /usr/bin/gpg", "--define", $"_gpg_name {uid}",
                "--define", $"_gpg_path {Home}", path]);
        }
        return path;
    }

    /// <summary>rpm -Kv's verdict on the signature line ("OK", "NOKEY", "BAD"), or null when it shows none.</summary>
    public string? RpmVerdict(string path)
    {
        var line = Tools.Run("rpm", ["--dbpath", RpmDb, "-Kv", path], check: false)
            .Split('\n').FirstOrDefault(l => l.Contains("Signature, key ID", StringComparison.Ordinal));
        return line?[(line.LastIndexOf(':') + 1)..].Trim();
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

public sealed class SignatureInteropTests(SigningKeys keys) : IClassFixture<SigningKeys>, IDisposable
{
    private readonly string _dir = Tools.TempDir("sig");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Arbor(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Program.Run(["rpm", .. args], o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void GoodSignatureIsAcceptedWithTheKeyIdRpmShows()
    {
        var pkg = keys.Package(Path.Combine(_dir, "good.rpm"), SigningKeys.Trusted);
        Assert.Equal("OK", keys.RpmVerdict(pkg));
        var r = Arbor("verify", pkg, "--keyring=" + keys.TrustedKey);
        Assert.True(r.Code == 0, r.Err);
        var rpmKeyId = Tools.Run("rpm", ["--dbpath", keys.RpmDb, "-Kv", pkg]).Split("key ID ")[1][..8];
        Assert.EndsWith($"signature key ID {rpmKeyId} OK\n", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void SignatureByAnotherKeyIsNokeyInBothTools()
    {
        var pkg = keys.Package(Path.Combine(_dir, "other.rpm"), SigningKeys.Other);
        Assert.Equal("NOKEY", keys.RpmVerdict(pkg));
        var r = Arbor("verify", pkg, "--keyring=" + keys.TrustedKey);
        Assert.Equal(1, r.Code);
        Assert.Contains("not among the repository's gpgkey keys (NOKEY)", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void HeaderChangedAfterSigningIsBadInBothTools()
    {
        var pkg = keys.Package(Path.Combine(_dir, "bad.rpm"), SigningKeys.Trusted);
        long headerStart, headerEnd;
        string summary;
        using (var p = RpmPackage.Open(pkg))
            (headerStart, headerEnd, summary) = (p.PayloadOffset - p.Header.Raw.Length, p.PayloadOffset, p.Info.Summary);
        var bytes = File.ReadAllBytes(pkg);
        // One letter of the Summary in the main header: the signed bytes change, the structure does not.
        int at = bytes.AsSpan((int)headerStart, (int)(headerEnd - headerStart)).IndexOf(System.Text.Encoding.UTF8.GetBytes(summary));
        Assert.True(at > 0, "summary not found in the main header");
        bytes[headerStart + at] ^= 0x20;
        File.WriteAllBytes(pkg, bytes);
        Assert.Equal("BAD", keys.RpmVerdict(pkg));
        using var changed = RpmPackage.Open(pkg);
        var keyring = Path.Combine(_dir, "keyring.gpg");
        RpmSignatures.WriteKeyring(keyring, [(keys.TrustedKey, File.ReadAllBytes(keys.TrustedKey))]);
        var e = Assert.Throws<RpmSignatureException>(() => RpmSignatures.Verify(changed, pkg, keyring));
        Assert.Contains("BAD RSA/header signature", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsignedPackageIsRefused()
    {
        var pkg = keys.Package(Path.Combine(_dir, "unsigned.rpm"), null);
        Assert.Null(keys.RpmVerdict(pkg));
        var r = Arbor("verify", pkg, "--keyring=" + keys.TrustedKey);
        Assert.Equal(1, r.Code);
        Assert.Contains("unsigned.rpm: package is not signed", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void ArmoredKeysDecodeToWhatGpgDearmorGives()
    {
        var expected = Path.Combine(_dir, "key.gpg");
        Tools.Run("gpg", ["--batch", "--dearmor", "-o", expected, keys.TrustedKey]);
        var armored = File.ReadAllBytes(keys.TrustedKey);
        Assert.Equal(File.ReadAllBytes(expected), RpmSignatures.Dearmor(armored, "trusted.asc"));
        // Two blocks in one file, and binary input, are both keyrings.
        byte[] two = [.. armored, .. armored];
        Assert.Equal([.. File.ReadAllBytes(expected), .. File.ReadAllBytes(expected)], RpmSignatures.Dearmor(two, "two.asc"));
        Assert.Equal(File.ReadAllBytes(expected), RpmSignatures.Dearmor(File.ReadAllBytes(expected), "key.gpg"));
        var e = Assert.Throws<FormatException>(() => RpmSignatures.Dearmor("hello"u8, "notakey.txt"));
        Assert.Contains("notakey.txt: not an OpenPGP public key", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GpgcheckRepositoryDeliversSignedAndRefusesUnsigned()
    {
        string Repo(string name, string? signer)
        {
            var dir = Path.Combine(_dir, name);
            Directory.CreateDirectory(dir);
            keys.Package(Path.Combine(dir, "hello.rpm"), signer);
            Tools.Run("createrepo_c", ["-q", dir]);
            return dir;
        }
        var repoFile = Path.Combine(_dir, "sig.repo");
        File.WriteAllText(repoFile, $"""
            [signed]
            baseurl=file://{Repo("signed", SigningKeys.Trusted)}
            gpgcheck=1
            gpgkey=file://{keys.TrustedKey}

            [unsigned]
            baseurl=file://{Repo("unsigned", null)}
            gpgcheck=1
            gpgkey=file://{keys.TrustedKey}
            """);
        var cache = Path.Combine(_dir, "cache");
        var dest = Path.Combine(_dir, "dest");
        var r = Arbor("download", "--repo-file=" + repoFile, "--repo=signed", "--cachedir", cache, "--destdir", dest, "hello");
        Assert.True(r.Code == 0, r.Err);
        Assert.Single(Directory.GetFiles(dest));

        var dest2 = Path.Combine(_dir, "dest2");
        r = Arbor("download", "--repo-file=" + repoFile, "--repo=unsigned", "--cachedir", cache, "--destdir", dest2, "hello");
        Assert.Equal(1, r.Code);
        Assert.Contains("gpgcheck failed", r.Err, StringComparison.Ordinal);
        Assert.Contains("package is not signed", r.Err, StringComparison.Ordinal);
        Assert.True(!Directory.Exists(dest2) || Directory.GetFiles(dest2).Length == 0);
    }
}
