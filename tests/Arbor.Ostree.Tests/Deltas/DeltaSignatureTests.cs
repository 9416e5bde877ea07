// Signed static delta superblocks: the "OSTSGNDT" wrapper checked byte by byte against the
// GVariant layout ostree describes (magic, the unsigned superblock, an a{sv} holding an aay of
// signatures), ed25519 signatures with the RFC 8032 test key, parse/write round trips, and the
// refusals: a wrong key, a tampered superblock, an unsigned delta, another engine's signatures.
// The end-to-end tests generate a signed delta in a repository and apply it with and without keys.
using System.Text;
using Arbor.Ostree.Deltas;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Arbor.Ostree.Signing;

namespace Arbor.Ostree.Tests.Deltas;

public sealed class DeltaSignatureTests : IDisposable
{
    // RFC 8032 section 7.1, TEST 1: the seed, its public key, and the signature of the empty message.
    private static readonly byte[] Rfc8032Seed = Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    private static readonly byte[] Rfc8032Public = Convert.FromHexString("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    private static readonly byte[] Rfc8032EmptySignature = Convert.FromHexString(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");

    // ostree's 64-byte secret key form: seed then public key, base64.
    private static readonly string SecretKey = Convert.ToBase64String([.. Rfc8032Seed, .. Rfc8032Public]);
    private static readonly string PublicKey = Convert.ToBase64String(Rfc8032Public);

    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static Checksum Sum(string s) => Checksum.Of(Encoding.UTF8.GetBytes(s));

    private static byte[] Superblock(ulong timestamp = 1700000000)
    {
        var commit = new Commit([], null, "subject", "", 1234, Sum("tree"), Sum("meta")).Serialize();
        return new DeltaSuperblock
        {
            Metadata = [new("ostree.endianness", new GVNumber('y', (byte)'l'))],
            Timestamp = timestamp,
            From = Sum("from"),
            To = Sum("to"),
            CommitBytes = commit,
            Parts = [new DeltaPartHeader(0, Sum("part"), 100, 2000, [new ObjectName(Sum("a"), ObjectType.File)])],
            Fallbacks = [],
        }.Serialize();
    }

    private static Ed25519SignEngine Verifier(params string[] publicKeys)
    {
        var e = new Ed25519SignEngine();
        foreach (var k in publicKeys)
            e.AddPublicKey(k);
        return e;
    }

    [Fact]
    public void Ed25519_engine_signs_like_RFC_8032_with_an_ostree_secret_key()
    {
        var engine = SignEngine.Create("ed25519");
        Assert.Equal("ostree.sign.ed25519", engine.MetadataKey);
        Assert.Equal(Rfc8032EmptySignature, engine.Sign([], SecretKey));
        Assert.Equal("ed25519: Signature verified successfully with key 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'",
            Verifier(PublicKey).Verify([], [Rfc8032EmptySignature]));
    }

    [Fact]
    public void Signed_superblock_has_the_layout_ostree_describes_field_by_field()
    {
        var sb = Superblock();
        var file = DeltaSignatures.Sign(sb, SignEngine.Create("ed25519"), [SecretKey]);
        int l = sb.Length;
        var sig = Arbor.Native.Ed25519.Sign(Rfc8032Seed, sb);

        // (taya{sv}): t = magic stored big-endian, so the file opens with the ASCII magic.
        Assert.Equal("OSTSGNDT"u8.ToArray(), file[..8]);
        // ay = the unsigned superblock file, byte for byte (what the signatures cover).
        Assert.Equal(sb, file[8..(8 + l)]);
        // a{sv} is 8-aligned (its values are variants), zero padding before it.
        int a = (8 + l + 7) & ~7;
        Assert.All(file[(8 + l)..a], b => Assert.Equal(0, b));
        // One dict entry {sv}: "ostree.sign.ed25519\0" (20 bytes), padding to 24, then the variant.
        Assert.Equal("ostree.sign.ed25519\0"u8.ToArray(), file[a..(a + 20)]);
        Assert.Equal(new byte[4], file[(a + 20)..(a + 24)]);
        // The variant: aay of one 64-byte signature plus its 1-byte end offset (64), then "\0aay".
        Assert.Equal(sig, file[(a + 24)..(a + 88)]);
        Assert.Equal(64, file[a + 88]);
        Assert.Equal("\0aay"u8.ToArray(), file[(a + 89)..(a + 93)]);
        // The entry's framing offset (end of the key), then the array's offset table (end of the entry).
        Assert.Equal(20, file[a + 93]);
        Assert.Equal(94, file[a + 94]);
        // The tuple's framing offset: end of the ay, in as many bytes as the total size needs.
        int offsetSize = a + 95 + 1 <= 0xFF ? 1 : 2;
        Assert.Equal(a + 95 + offsetSize, file.Length);
        Assert.Equal(8 + l, offsetSize == 1 ? file[^1] : file[^2] | (file[^1] << 8));
        // And the signature is over exactly those superblock bytes.
        Assert.True(Arbor.Native.Ed25519.Verify(Rfc8032Public, sb, sig));
    }

    [Fact]
    public void Signed_superblock_parses_and_rewrites_to_the_same_bytes()
    {
        var sb = Superblock();
        var engine = SignEngine.Create("ed25519");
        var other = Convert.ToBase64String(Ed25519Keys.GenerateSecret());
        var file = DeltaSignatures.Sign(sb, engine, [SecretKey, other]);

        Assert.True(DeltaSignatures.IsSigned(file));
        Assert.Equal(["ed25519"], DeltaSignatures.SignatureTypes(file));
        Assert.Equal(sb, DeltaSignatures.Unwrap(file).ToArray());
        var parsed = DeltaSuperblock.Parse(file);
        var plain = DeltaSuperblock.Parse(sb);
        Assert.True(parsed.Signed);
        Assert.False(plain.Signed);
        Assert.Equal(plain.To, parsed.To);
        Assert.Equal(plain.From, parsed.From);
        Assert.Equal(plain.Timestamp, parsed.Timestamp);
        Assert.Equal(sb, parsed.Serialize());

        var (key, value) = Assert.Single(parsed.Signatures);
        Assert.Equal("ostree.sign.ed25519", key);
        var sigs = Assert.IsType<GVArray>(value).Items.Select(i => Assert.IsType<GVBytes>(i).Value.ToArray()).ToList();
        Assert.Equal(2, sigs.Count);
        Assert.Equal(Arbor.Native.Ed25519.Sign(Rfc8032Seed, sb), sigs[0]);
        Assert.Equal(file, DeltaSignatures.Wrap(parsed.Serialize(), key, sigs));
    }

    [Fact]
    public void Verify_accepts_the_signing_key_and_names_the_key()
    {
        var file = DeltaSignatures.Sign(Superblock(), SignEngine.Create("ed25519"), [SecretKey]);
        Assert.Equal($"ed25519: Signature verified successfully with key '{Convert.ToHexStringLower(Rfc8032Public)}'",
            DeltaSignatures.Verify(file, Verifier(PublicKey)));
        // Any trusted key may match; the others are ignored.
        var stranger = Convert.ToBase64String(Ed25519Keys.PublicOf(Ed25519Keys.GenerateSecret()));
        DeltaSignatures.Verify(file, Verifier(stranger, PublicKey));
    }

    [Fact]
    public void Verify_refuses_a_wrong_key()
    {
        var file = DeltaSignatures.Sign(Superblock(), SignEngine.Create("ed25519"), [SecretKey]);
        var wrong = Ed25519Keys.PublicOf(Ed25519Keys.GenerateSecret());
        var e = Assert.Throws<OstreeException>(() => DeltaSignatures.Verify(file, Verifier(Convert.ToBase64String(wrong))));
        Assert.Equal($"ed25519: Signature couldn't be verified with: key '{Convert.ToHexStringLower(wrong)}'", e.Message);
    }

    [Fact]
    public void Failed_keys_are_named_last_loaded_first_as_ostree_does()
    {
        var file = DeltaSignatures.Sign(Superblock(), SignEngine.Create("ed25519"), [SecretKey]);
        var a = Ed25519Keys.PublicOf(Ed25519Keys.GenerateSecret());
        var b = Ed25519Keys.PublicOf(Ed25519Keys.GenerateSecret());
        var e = Assert.Throws<OstreeException>(() => DeltaSignatures.Verify(file, Verifier(Convert.ToBase64String(a), Convert.ToBase64String(b))));
        Assert.Equal($"ed25519: Signature couldn't be verified with: key '{Convert.ToHexStringLower(b)}'; key '{Convert.ToHexStringLower(a)}'", e.Message);
    }

    [Fact]
    public void Verify_refuses_a_revoked_key()
    {
        var file = DeltaSignatures.Sign(Superblock(), SignEngine.Create("ed25519"), [SecretKey]);
        var engine = Verifier(PublicKey);
        engine.Keys.Revoked.Add(Rfc8032Public);
        Assert.Equal("ed25519: no signatures found", Assert.Throws<OstreeException>(() => DeltaSignatures.Verify(file, engine)).Message);
    }

    [Fact]
    public void Verify_refuses_a_tampered_superblock()
    {
        var sb = Superblock();
        var file = DeltaSignatures.Sign(sb, SignEngine.Create("ed25519"), [SecretKey]);
        // Change the timestamp inside the wrapped superblock: the file still parses, the signature no longer matches.
        var tampered = DeltaSignatures.Sign(Superblock(timestamp: 1700000001), SignEngine.Create("ed25519"), [SecretKey]);
        var forged = DeltaSignatures.Wrap(DeltaSignatures.Unwrap(tampered).Span, "ostree.sign.ed25519",
            [Arbor.Native.Ed25519.Sign(Rfc8032Seed, sb)]);
        Assert.Equal(1700000001UL, DeltaSuperblock.Parse(forged).Timestamp);
        var e = Assert.Throws<OstreeException>(() => DeltaSignatures.Verify(forged, Verifier(PublicKey)));
        Assert.StartsWith("ed25519: Signature couldn't be verified with: key 'd75a98", e.Message);

        // A flipped byte anywhere in the signed bytes does the same.
        var flipped = (byte[])file.Clone();
        flipped[8 + sb.Length - 40] ^= 1;
        Assert.Throws<OstreeException>(() => DeltaSignatures.Verify(flipped, Verifier(PublicKey)));
    }

    [Fact]
    public void Verify_refuses_an_unsigned_superblock()
    {
        var e = Assert.Throws<OstreeException>(() => DeltaSignatures.Verify(Superblock(), Verifier(PublicKey)));
        Assert.Equal("no signatures in static-delta", e.Message);
        Assert.False(DeltaSignatures.IsSigned(Superblock()));
    }

    [Fact]
    public void Magic_without_a_signature_entry_is_not_signed()
    {
        var file = DeltaSignatures.Wrap(Superblock(), "other.key", []);
        Assert.True(DeltaSuperblock.IsSignedForm(file));
        Assert.False(DeltaSignatures.IsSigned(file));
        Assert.Equal("no signatures in static-delta",
            Assert.Throws<OstreeException>(() => DeltaSignatures.Verify(file, Verifier(PublicKey))).Message);
    }

    [Fact]
    public void Verify_refuses_signatures_of_another_engine()
    {
        var file = DeltaSignatures.Wrap(Superblock(), "ostree.sign.dummy", ["foo"u8.ToArray()]);
        Assert.Equal(["dummy"], DeltaSignatures.SignatureTypes(file));
        var e = Assert.Throws<OstreeException>(() => DeltaSignatures.Verify(file, Verifier(PublicKey)));
        Assert.Equal("no signature for 'ostree.sign.ed25519' in static-delta superblock", e.Message);
    }

    [Fact]
    public void Signing_with_no_keys_writes_an_empty_signature_list_that_never_verifies()
    {
        var file = DeltaSignatures.Sign(Superblock(), SignEngine.Create("ed25519"), []);
        Assert.True(DeltaSignatures.IsSigned(file));
        Assert.Equal("ed25519: no signatures found",
            Assert.Throws<OstreeException>(() => DeltaSignatures.Verify(file, Verifier(PublicKey))).Message);
    }

    [Fact]
    public void Malformed_keys_and_unknown_engines_give_ostree_errors()
    {
        Assert.Equal("Requested signature type is not implemented", Assert.Throws<OstreeException>(() => SignEngine.Create("rsa")).Message);
        var e = Assert.Throws<OstreeException>(() => SignEngine.Create("ed25519").Sign([], Convert.ToBase64String(new byte[32])));
        Assert.Equal("Invalid ed25519 secret key: Ill-formed input: expected 64 bytes, got 32 bytes", e.Message);
        e = Assert.Throws<OstreeException>(() => SignEngine.Create("ed25519").AddPublicKey(SecretKey));
        Assert.Equal("Invalid ed25519 public key: Ill-formed input: expected 32 bytes, got 64 bytes", e.Message);
        Assert.Equal("not implemented", Assert.Throws<OstreeException>(() => SignEngine.Create("dummy").LoadPublicKeys(null, null)).Message);
    }

    [Fact]
    public void Verify_loads_keys_from_a_keys_dir_and_honours_its_revoked_list()
    {
        var file = DeltaSignatures.Sign(Superblock(), SignEngine.Create("ed25519"), [SecretKey]);
        var dir = _tmp["keys"];
        Directory.CreateDirectory(Path.Combine(dir, "trusted.ed25519.d"));
        File.WriteAllText(Path.Combine(dir, "trusted.ed25519.d", "vendor"), PublicKey + "\n");
        var engine = new Ed25519SignEngine();
        engine.LoadPublicKeys(null, dir);
        DeltaSignatures.Verify(file, engine);

        File.WriteAllText(Path.Combine(dir, "revoked.ed25519"), PublicKey + "\n");
        engine = new Ed25519SignEngine();
        engine.LoadPublicKeys(null, dir);
        Assert.Throws<OstreeException>(() => DeltaSignatures.Verify(file, engine));
    }

    // End to end: a from-scratch delta of a one-file commit, generated signed and applied.
    private (Repository Repo, Checksum Commit) SourceRepo()
    {
        var repo = Repository.Create(_tmp["src"], RepoMode.Archive);
        var file = repo.WriteContent(new FileHeader(0, 0, 0x81A4, "", []), "signed payload\n"u8);
        var tree = repo.WriteMetadata(ObjectType.DirTree, new DirTree([new DirTreeFile("README", file)], []).Serialize());
        var meta = repo.WriteMetadata(ObjectType.DirMeta, new DirMeta(0, 0, 0x41ED, Xattrs.None).Serialize());
        var c = repo.WriteMetadata(ObjectType.Commit, new Commit([], null, "one", "", 1, tree, meta).Serialize());
        return (repo, c);
    }

    [Fact]
    public void Generated_signed_delta_verifies_applies_and_is_digested_as_a_whole_file()
    {
        var (src, c) = SourceRepo();
        var result = DeltaCompiler.Generate(src, null, c, new DeltaGenerateOptions { Sign = new DeltaSigning(SignEngine.Create("ed25519"), [SecretKey]) });
        var bytes = File.ReadAllBytes(result.SuperblockPath);
        Assert.True(result.Superblock.Signed);
        Assert.Equal("OSTSGNDT"u8.ToArray(), bytes[..8]);
        DeltaSignatures.Verify(bytes, Verifier(PublicKey));
        // Summaries and delta indexes carry the digest of the whole file, wrapper included.
        var entry = Assert.Single(src.ListStaticDeltaDigests());
        Assert.Equal(Checksum.Of(bytes), entry.Digest);

        var target = Repository.Create(_tmp["dst"], RepoMode.Archive);
        DeltaApplier.ApplyOffline(target, Path.GetDirectoryName(result.SuperblockPath)!, Verifier(PublicKey));
        Assert.True(target.HasObject(c, ObjectType.Commit));
    }

    [Fact]
    public void Apply_with_the_wrong_key_writes_nothing()
    {
        var (src, c) = SourceRepo();
        var result = DeltaCompiler.Generate(src, null, c, new DeltaGenerateOptions { Sign = new DeltaSigning(SignEngine.Create("ed25519"), [SecretKey]) });
        var target = Repository.Create(_tmp["dst"], RepoMode.Archive);
        var wrong = Convert.ToBase64String(Ed25519Keys.PublicOf(Ed25519Keys.GenerateSecret()));
        var e = Assert.Throws<OstreeException>(() => DeltaApplier.ApplyOffline(target, result.SuperblockPath, Verifier(wrong)));
        Assert.StartsWith("ed25519: Signature couldn't be verified with: key '", e.Message);
        Assert.False(target.HasObject(c, ObjectType.Commit));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(target.Path, "objects"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Sign_verify_deltas_requires_a_key_for_signed_deltas_only()
    {
        var (src, c) = SourceRepo();
        var result = DeltaCompiler.Generate(src, null, c, new DeltaGenerateOptions { Sign = new DeltaSigning(SignEngine.Create("ed25519"), [SecretKey]) });
        var target = Repository.Create(_tmp["dst"], RepoMode.Archive);
        var config = target.Config;
        config.Set("core", "sign-verify-deltas", "true");
        target.SaveConfig(config);
        var e = Assert.Throws<OstreeException>(() => DeltaApplier.ApplyOffline(target, result.SuperblockPath, null));
        Assert.Equal("Key is mandatory to check delta signature", e.Message);
        Assert.False(target.HasObject(c, ObjectType.Commit));

        // An unsigned delta is not subject to the setting, with or without keys.
        var unsigned = DeltaCompiler.Generate(src, null, c, new DeltaGenerateOptions { Filename = _tmp["plain/superblock"] });
        DeltaApplier.ApplyOffline(target, unsigned.SuperblockPath, Verifier(PublicKey));
        Assert.True(target.HasObject(c, ObjectType.Commit));
    }

    [Fact]
    public void A_bad_signing_key_fails_before_any_delta_file_is_written()
    {
        var (src, c) = SourceRepo();
        var opt = new DeltaGenerateOptions { Sign = new DeltaSigning(SignEngine.Create("ed25519"), [SecretKey, "bm90IGEga2V5"]) };
        var e = Assert.Throws<OstreeException>(() => DeltaCompiler.Generate(src, null, c, opt));
        Assert.Equal("Invalid ed25519 secret key: Ill-formed input: expected 64 bytes, got 9 bytes", e.Message);
        Assert.False(Directory.Exists(Path.Combine(src.Path, "deltas")) && Directory.EnumerateFileSystemEntries(Path.Combine(src.Path, "deltas")).Any());
    }
}
