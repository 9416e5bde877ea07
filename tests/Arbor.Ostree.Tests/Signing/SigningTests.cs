using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Arbor.Ostree.Signing;

namespace Arbor.Ostree.Tests.Signing;

public sealed class SigningTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private (Repository Repo, Checksum Commit) NewCommit(string subject = "one")
    {
        var repo = Repository.Create(_tmp["repo-" + subject], RepoMode.Archive);
        var tree = repo.WriteMetadata(ObjectType.DirTree, new DirTree([], []).Serialize());
        var meta = repo.WriteMetadata(ObjectType.DirMeta, new DirMeta(0, 0, 0x41ED, Xattrs.None).Serialize());
        var c = repo.WriteMetadata(ObjectType.Commit, new Commit([], null, subject, "", 1, tree, meta).Serialize());
        return (repo, c);
    }

    [Fact]
    public void Ed25519_signature_is_what_ostree_computes_over_the_commit_object_bytes()
    {
        var (repo, c) = NewCommit();
        var secret = Ed25519Keys.GenerateSecret();
        repo.WriteDetachedMetadata(c, CommitWriterMeta(("keep.me", GVariantValue.Str("x"))));
        Ed25519Signing.SignCommit(repo, c, secret);
        Ed25519Signing.SignCommit(repo, c, secret);

        // ostree: EVP_DigestSign with the 32-byte seed over g_variant_get_data (commit) — the object file bytes.
        var expected = Arbor.Native.Ed25519.Sign(secret.AsSpan(0, 32), File.ReadAllBytes(repo.ObjectPath(c, ObjectType.Commit)));
        var stored = repo.LoadDetachedMetadata(c)!.Value;
        Assert.True(stored.TryLookup("ostree.sign.ed25519", out var v));
        var inner = v.GetVariant();
        Assert.Equal("aay", inner.Type.Signature);
        Assert.Equal(2, inner.ChildCount);
        Assert.Equal(expected, inner[0].GetBytes().ToArray());
        Assert.True(stored.TryLookup("keep.me", out _));

        var keys = new Ed25519Keys();
        keys.Public.Add(Ed25519Keys.PublicOf(secret));
        var ok = Ed25519Signing.Verify(repo.LoadMetadataBytes(c, ObjectType.Commit), stored.Data, keys, out var err);
        Assert.NotNull(ok);
        Assert.Null(err);
        keys.Revoked.Add(Ed25519Keys.PublicOf(secret));
        Assert.Null(Ed25519Signing.Verify(repo.LoadMetadataBytes(c, ObjectType.Commit), stored.Data, keys, out err));
        Assert.Equal("ed25519: no signatures found", err);
    }

    [Fact]
    public void Ed25519_keys_are_checked_for_length_and_base64()
    {
        Assert.Contains("expected 64 bytes, got 32 bytes", Assert.Throws<OstreeException>(() => Ed25519Keys.ParseSecret(Convert.ToBase64String(new byte[32]))).Message, StringComparison.Ordinal);
        Assert.Contains("not base64", Assert.Throws<OstreeException>(() => Ed25519Keys.ParsePublic("@@@")).Message, StringComparison.Ordinal);
        var f = _tmp["keys"];
        File.WriteAllText(f, "garbage\n\n" + Convert.ToBase64String(new byte[32]) + "\n");
        Assert.Single(Ed25519Signing.LoadPublicKeys(f, null).Public);
        File.WriteAllText(f, "garbage\n");
        Assert.Throws<OstreeException>(() => Ed25519Signing.LoadPublicKeys(f, null));
    }

    [Fact]
    public void Signature_lists_append_replace_and_remove_without_touching_other_keys()
    {
        var meta = SignatureMetadata.Append(null, SignatureMetadata.GpgKey, [1, 2, 3]);
        meta = SignatureMetadata.Append(meta, SignatureMetadata.GpgKey, [4]);
        meta = SignatureMetadata.Append(meta, SignatureMetadata.Ed25519Key, new byte[64]);
        Assert.Equal([[1, 2, 3], [4]], SignatureMetadata.Read(meta, SignatureMetadata.GpgKey));
        Assert.Equal("{'ostree.gpgsigs': <[[byte 0x01, 0x02, 0x03], [0x04]]>, 'ostree.sign.ed25519': <[[byte 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]]>}",
            new GVariantView(GVariantType.VarDict, meta).ToValue().Print());
        meta = SignatureMetadata.Replace(meta, SignatureMetadata.GpgKey, []);
        Assert.Empty(SignatureMetadata.Read(meta, SignatureMetadata.GpgKey));
        Assert.Single(SignatureMetadata.Read(meta, SignatureMetadata.Ed25519Key));
    }

    [Fact]
    public void Gpgv_status_lines_become_ostree_style_results()
    {
        const string status = """
            [GNUPG:] NEWSIG
            [GNUPG:] KEY_CONSIDERED 0339FA950557610D28066FA0F7F03337B94B91D8 0
            [GNUPG:] GOODSIG F7F03337B94B91D8 Arbor Test (ci) <test@example.com>
            [GNUPG:] VALIDSIG 0339FA950557610D28066FA0F7F03337B94B91D8 2026-11-22 1795331139 0 4 0 22 10 00 0339FA950557610D28066FA0F7F03337B94B91D8
            [GNUPG:] NEWSIG
            [GNUPG:] ERRSIG 1111222233334444 1 8 00 1795331139 9 AAAABBBBCCCCDDDDEEEEFFFF1111222233334444
            [GNUPG:] NO_PUBKEY 1111222233334444
            [GNUPG:] NEWSIG
            [GNUPG:] BADSIG F7F03337B94B91D8 Arbor Test <test@example.com>
            """;
        var r = GpgVerifyResult.ParseStatus(status);
        Assert.Equal(3, r.Signatures.Count);
        Assert.Equal(1, r.CountValid);
        Assert.True(r.Signatures[0].Valid);
        Assert.Equal("Arbor Test", r.Signatures[0].UserName);
        Assert.Equal("test@example.com", r.Signatures[0].UserEmail);
        Assert.Equal("EdDSA", r.Signatures[0].PubkeyAlgo);
        Assert.Contains("Good signature from \"Arbor Test <test@example.com>\"", r.Signatures[0].Describe("  "), StringComparison.Ordinal);
        Assert.True(r.Signatures[1].KeyMissing);
        Assert.Equal("1111222233334444", r.Signatures[1].KeyId);
        Assert.Equal("RSA", r.Signatures[1].PubkeyAlgo);
        Assert.Equal(1, r.Lookup("0xAAAABBBBCCCCDDDDEEEEFFFF1111222233334444"));
        Assert.Contains("BAD signature from", r.Signatures[2].Describe(""), StringComparison.Ordinal);
        var none = GpgVerifyResult.ParseStatus(string.Join('\n', status.Split('\n').Skip(4)));
        Assert.Equal("Signature made " + GpgVerifyResult.FormatTime(0) + " using [unknown name] key ID F7F03337B94B91D8; BAD signature from \"Arbor Test <test@example.com>\"; "
            + "Signature made " + GpgVerifyResult.FormatTime(1795331139) + " using RSA key ID 1111222233334444; Can't check signature: public key not found",
            none.RequireValid());
    }

    [Theory]
    [InlineData(1796558400L, "Dec \u20076 ")] // 2026-12-06 12:00 UTC: one-digit day, figure space as glib's %e
    [InlineData(1797422400L, "Dec 16 ")]
    public void Signature_times_pad_the_day_like_glib(long unix, string expected)
    {
        Assert.Contains(expected, GpgVerifyResult.FormatTime(unix), StringComparison.Ordinal);
    }

    [Fact]
    public void Armored_keys_decode_to_their_packets()
    {
        var packets = new byte[] { 0x99, 0x00, 0x01, 0xFF };
        var armored = "\n-----BEGIN PGP PUBLIC KEY BLOCK-----\nComment: test\n\n" + Convert.ToBase64String(packets) + "\n=AAAA\n-----END PGP PUBLIC KEY BLOCK-----\n";
        Assert.True(Armor.IsArmored(System.Text.Encoding.ASCII.GetBytes(armored)));
        Assert.Equal(packets, Armor.Decode(System.Text.Encoding.ASCII.GetBytes(armored)));
        Assert.False(Armor.IsArmored(packets));
    }

    [Fact]
    public void Wkd_urls_match_gnupg()
    {
        var (adv, direct) = new GpgUidInfo("Arbor Test <test@example.com>", false, false).WkdUrls();
        Assert.Equal("https://openpgpkey.example.com/.well-known/openpgpkey/example.com/hu/iffe93qcsgp4c8ncbb378rxjo6cn9q6u?l=test", adv);
        Assert.Equal("https://example.com/.well-known/openpgpkey/hu/iffe93qcsgp4c8ncbb378rxjo6cn9q6u?l=test", direct);
    }

    private static byte[] CommitWriterMeta(params (string Key, GVariantValue Value)[] kv) =>
        Commit.MetadataToValue(kv.Select(p => new KeyValuePair<string, GVariantValue>(p.Key, p.Value)).ToList()).Serialize();
}
