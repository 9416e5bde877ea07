// Raw deflate through the system zlib: what it writes inflates back to the input at every level
// and size (through both inflaters), the streamed length equals the whole-buffer output's length
// however the input is chunked, an empty input still gets zlib's final empty block, and a level
// outside 0–9 is refused. Byte equality with ostree's own objects is checked by the
// `commit --generate-sizes` interop test, whose sizes come from ostree's GZlibCompressor.
namespace Arbor.Native.Tests;

public class RawDeflateTests
{
    private static byte[] Sample(int size)
    {
        var rng = new Random(size);
        var data = new byte[size];
        // Half text-like, half random: compressible and incompressible stretches.
        for (int i = 0; i < size; i++)
            data[i] = i % 1024 < 512 ? (byte)"the quick brown fox "[i % 20] : (byte)rng.Next(256);
        return data;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(9)]
    public void Output_inflates_back_to_the_input(int level)
    {
        foreach (var size in new[] { 1, 100, 65_536, 300_001 })
        {
            var data = Sample(size);
            var z = RawDeflate.Compress(data, level);
            var back = new byte[size];
            RawInflate.Decompress(z, back);
            Assert.Equal(data, back);
            var back2 = new byte[size];
            RawInflate.DecompressWithZlib(z, back2);
            Assert.Equal(data, back2);
        }
    }

    [Fact]
    public void Streamed_length_equals_the_whole_buffer_output()
    {
        var data = Sample(500_000);
        var whole = RawDeflate.Compress(data, 6);
        Assert.True(whole.Length < data.Length);
        Assert.Equal(whole.Length, RawDeflate.CompressedLength(new MemoryStream(data), 6));
        // A stream handing out odd-sized reads gives the same length (Z_NO_FLUSH does not depend on chunking).
        Assert.Equal(whole.Length, RawDeflate.CompressedLength(new BufferedStream(new MemoryStream(data), 777), 6));
    }

    [Fact]
    public void Empty_input_gets_the_final_empty_block()
    {
        Assert.Equal(new byte[] { 0x03, 0x00 }, RawDeflate.Compress([], 6));
        Assert.Equal(2, RawDeflate.CompressedLength(new MemoryStream(), 6));
    }

    [Fact]
    public void Level_out_of_range_is_refused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => RawDeflate.Compress([1], 10));
        Assert.Contains("level", e.Message);
    }
}
