using System.Security.Cryptography;
using System.Text;

namespace Arbor.Native.Tests;

// The libcrypto one-shots against FIPS 180 / RFC 1321 test vectors and against .NET's own digests.
public sealed class DigestTests
{
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "da39a3ee5e6b4b0d3255bfef95601890afd80709", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "a9993e364706816aba3e25717850c26c9cd0d89d", "900150983cd24fb0d6963f7d28e17f72")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "84983e441c3bd26ebaae4aa1f95129e5e54670f1", "8215ef0796a20bcaaae116d3876c664a")]
    public void Known_vectors(string input, string sha256, string sha1, string md5)
    {
        var data = Encoding.ASCII.GetBytes(input);
        Assert.Equal(sha256, Convert.ToHexStringLower(Digest.Sha256(data)));
        Assert.Equal(sha1, Convert.ToHexStringLower(Digest.Sha1(data)));
        Assert.Equal(md5, Convert.ToHexStringLower(Digest.Md5(data)));
    }

    [Fact]
    public void Large_unaligned_buffers_match_dotnet()
    {
        var data = new byte[3 * 1024 * 1024 + 7];
        new Random(42).NextBytes(data);
        var slice = data.AsSpan(3, data.Length - 5);
        Assert.Equal(SHA256.HashData(slice), Digest.Sha256(slice));
#pragma warning disable CA5350, CA5351 // comparing legacy digests, not using them for security
        Assert.Equal(SHA1.HashData(slice), Digest.Sha1(slice));
        Assert.Equal(MD5.HashData(slice), Digest.Md5(slice));
#pragma warning restore CA5350, CA5351
    }
}
