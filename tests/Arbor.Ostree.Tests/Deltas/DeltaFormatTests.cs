// Round trips of the static delta formats (superblock, part payload, part file, varints) and of
// bsdiff/bspatch and rollsum, plus the refusals a corrupt input must produce.
using Arbor.Ostree.Deltas;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;

namespace Arbor.Ostree.Tests.Deltas;

public class DeltaFormatTests
{
    private static Checksum Sum(string s) => Checksum.Of(System.Text.Encoding.UTF8.GetBytes(s));

    [Theory]
    [InlineData(0UL)]
    [InlineData(127UL)]
    [InlineData(128UL)]
    [InlineData(300UL)]
    [InlineData(ulong.MaxValue)]
    public void VarintRoundTrips(ulong v)
    {
        var ms = new MemoryStream();
        DeltaOps.WriteVarUInt64(ms, v);
        int pos = 0;
        Assert.Equal(v, DeltaOps.ReadVarUInt64(ms.ToArray(), ref pos));
        Assert.Equal((int)ms.Length, pos);
    }

    [Fact]
    public void TruncatedVarintIsRefused()
    {
        int pos = 0;
        Assert.Throws<InvalidDataException>(() => DeltaOps.ReadVarUInt64(new byte[] { 0x80, 0x80 }, ref pos));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SuperblockRoundTrips(bool bigEndian)
    {
        var commit = new Commit([], null, "subject", "", 1234, Sum("tree"), Sum("meta")).Serialize();
        var sb = new DeltaSuperblock
        {
            Metadata = [new("ostree.endianness", new GVNumber('y', bigEndian ? (byte)'B' : (byte)'l'))],
            Timestamp = 1700000000,
            From = Sum("from"),
            To = Sum("to"),
            CommitBytes = commit,
            Parts = [new DeltaPartHeader(0, Sum("part"), 100, 2000, [new ObjectName(Sum("a"), ObjectType.File), new ObjectName(Sum("b"), ObjectType.DirTree)])],
            Fallbacks = [new DeltaFallback(new ObjectName(Sum("big"), ObjectType.File), 5_000_000, 9_000_000)],
            BigEndian = bigEndian,
        };
        var back = DeltaSuperblock.Parse(sb.Serialize());
        Assert.Equal(sb.From, back.From);
        Assert.Equal(sb.To, back.To);
        Assert.Equal(sb.Timestamp, back.Timestamp);
        Assert.Equal(bigEndian, back.BigEndian);
        Assert.Equal(commit, back.CommitBytes.ToArray());
        Assert.Equal(sb.Parts[0].CompressedSize, back.Parts[0].CompressedSize);
        Assert.Equal(sb.Parts[0].UncompressedSize, back.Parts[0].UncompressedSize);
        Assert.Equal(sb.Parts[0].Objects, back.Parts[0].Objects);
        Assert.Equal(sb.Fallbacks[0], back.Fallbacks[0]);
        Assert.Equal(sb.Serialize(), back.Serialize());
    }

    [Fact]
    public void GarbageSuperblockIsRefused()
    {
        Assert.Throws<InvalidDataException>(() => DeltaSuperblock.Parse(new byte[] { 1, 2, 3, 4, 5, 6, 7 }));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PartFileRoundTrips(bool compress)
    {
        var xattrs = new List<Xattr> { new("user.a"u8.ToArray(), [1, 2, 3]) };
        var payload = new DeltaPartPayload([(0, 0, 0x81A4), (1000, 1000, 0xA1FF)], [Xattrs.None, xattrs], new byte[] { 9, 8, 7, 6 }, new byte[] { (byte)'S', 0, 0, 4, 0 });
        var file = DeltaPartPayload.EncodePartFile(payload.Serialize(), compress);
        Assert.Equal(compress ? (byte)'x' : (byte)0, file[0]);
        var back = DeltaPartPayload.DecodePartFile(file);
        Assert.Equal(payload.Modes, back.Modes);
        Assert.Equal(2, back.XattrSets.Count);
        Assert.Equal(xattrs, back.XattrSets[1]);
        Assert.Equal(payload.Payload.ToArray(), back.Payload.ToArray());
        Assert.Equal(payload.Operations.ToArray(), back.Operations.ToArray());
    }

    [Fact]
    public void UnknownCompressionIsRefused()
    {
        var e = Assert.Throws<InvalidDataException>(() => DeltaPartPayload.DecodePartFile(new byte[] { (byte)'q', 0 }));
        Assert.Contains("compression type", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 100)]
    [InlineData(1000, 0)]
    [InlineData(50_000, 50_000)]
    [InlineData(200_000, 210_000)]
    public void BsdiffPatchReproducesTheNewFile(int oldSize, int newSize)
    {
        var rnd = new Random(oldSize + newSize);
        var old = new byte[oldSize];
        rnd.NextBytes(old);
        var @new = new byte[newSize];
        for (int i = 0; i < newSize; i++)
            @new[i] = oldSize > 0 ? old[(i < newSize / 2 ? i : i - 100 + oldSize) % oldSize] : (byte)i;
        for (int i = 0; i < newSize; i += 997)
            @new[i] ^= 0x33;
        var patch = Bsdiff.Diff(old, @new);
        Assert.Equal(@new, Bsdiff.Patch(old, patch, newSize));
        if (oldSize >= 50_000)
        {
            // The diff blocks are new-minus-old: mostly zeros, which the part's xz then squeezes.
            int nonZero = patch.Count(b => b != 0);
            Assert.True(nonZero < newSize / 10, $"patch has {nonZero} non-zero bytes for {newSize}");
        }
    }

    [Fact]
    public void TruncatedPatchIsRefused()
    {
        var old = new byte[1000];
        var @new = new byte[1000];
        @new[10] = 1;
        var patch = Bsdiff.Diff(old, @new);
        Assert.Throws<InvalidDataException>(() => Bsdiff.Patch(old, patch.AsSpan(0, patch.Length - 1), 1000));
    }

    [Fact]
    public void SuffixArrayIsSorted()
    {
        var data = "banana bandana"u8.ToArray();
        var sa = Bsdiff.SuffixArray(data);
        for (int i = 1; i < sa.Length - 1; i++)
            Assert.True(data.AsSpan(sa[i]).SequenceCompareTo(data.AsSpan(sa[i + 1])) < 0);
    }

    [Fact]
    public void RollsumFindsUnchangedChunks()
    {
        var rnd = new Random(7);
        var from = new byte[400_000];
        rnd.NextBytes(from);
        var to = (byte[])from.Clone();
        to[200_000] ^= 1;
        var r = Rollsum.Match(from, to);
        Assert.True(r.BufMatches * 100 / r.Total >= 50);
        long last = -1;
        foreach (var m in r.Matches)
        {
            Assert.True(m.ToStart > last);
            Assert.Equal(from.AsSpan((int)m.FromStart, (int)m.Length).ToArray(), to.AsSpan((int)m.ToStart, (int)m.Length).ToArray());
            last = m.ToStart;
        }
    }

    [Fact]
    public void Crc32MatchesZlib() => Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
}
