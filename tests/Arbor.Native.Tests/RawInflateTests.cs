// Whole-buffer raw inflate, through libdeflate and through the zlib fallback alike: data deflated
// by zlib at several levels (and by gzip(1), whose raw stream ostree's archive objects share)
// decodes to the original; corrupt data, data that ends early and data that decodes to more than
// the destination are refused with a message saying which, and an empty destination needs no data
// (ostree writes none for empty files).
using System.Diagnostics;
using System.IO.Compression;

namespace Arbor.Native.Tests;

public class RawInflateTests
{
    public delegate void Inflate(ReadOnlySpan<byte> source, Span<byte> destination);

    public static TheoryData<string> Decoders => ["libdeflate", "zlib"];

    private static Inflate Decoder(string name) => name == "zlib" ? RawInflate.DecompressWithZlib : RawInflate.Decompress;

    private static byte[] Deflate(byte[] data, CompressionLevel level)
    {
        var ms = new MemoryStream();
        using (var z = new DeflateStream(ms, level, leaveOpen: true))
            z.Write(data);
        return ms.ToArray();
    }

    [Fact]
    public void LibdeflateIsUsedWhereTheSystemHasIt()
    {
        Assert.Equal(File.Exists("/usr/lib/x86_64-linux-gnu/libdeflate.so.0") || File.Exists("/lib/x86_64-linux-gnu/libdeflate.so.0"),
            RawInflate.UsesLibdeflate);
    }

    [Theory]
    [MemberData(nameof(Decoders))]
    public void DeflatedDataOfEverySizeDecodesToTheOriginal(string decoder)
    {
        var inflate = Decoder(decoder);
        foreach (var size in new[] { 1, 100, 65_536, 1_000_003 })
        {
            foreach (var level in new[] { CompressionLevel.NoCompression, CompressionLevel.Fastest, CompressionLevel.SmallestSize })
            {
                var data = TestData.Compressible(size, size);
                var output = new byte[size];
                inflate(Deflate(data, level), output);
                Assert.Equal(data, output);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Decoders))]
    public void WrongDataIsRefusedSayingWhy(string decoder)
    {
        var inflate = Decoder(decoder);
        var data = TestData.Compressible(50_000, 7);
        var deflated = Deflate(data, CompressionLevel.Optimal);

        var e = Assert.Throws<InvalidDataException>(() => inflate(deflated, new byte[data.Length + 1]));
        Assert.Contains($"ends before {data.Length + 1} bytes", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<InvalidDataException>(() => inflate(deflated, new byte[data.Length - 1]));
        Assert.Contains($"holds more than {data.Length - 1} bytes", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => inflate(deflated.AsSpan(0, deflated.Length / 2), new byte[data.Length]));
        var corrupt = (byte[])deflated.Clone();
        corrupt[0] = 0xFF;   // block type 3 does not exist
        Assert.Throws<InvalidDataException>(() => inflate(corrupt, new byte[data.Length]));
        // Nothing is asked of an empty destination, not even data.
        inflate([], []);
    }

    [Fact]
    public async Task GzipsRawStreamDecodes()
    {
        var gzip = "/bin/gzip";
        if (!File.Exists(gzip))
            gzip = "/usr/bin/gzip";
        var data = TestData.Compressible(300_000, 3);
        var psi = new ProcessStartInfo(gzip, "-9 -n -c") { RedirectStandardInput = true, RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var output = new MemoryStream();
        var reader = p.StandardOutput.BaseStream.CopyToAsync(output);
        p.StandardInput.BaseStream.Write(data);
        p.StandardInput.Close();
        await reader;
        await p.WaitForExitAsync();
        var gz = output.ToArray();
        // A gzip member without a file name: 10-byte header, raw deflate, 8-byte trailer.
        var decoded = new byte[data.Length];
        RawInflate.Decompress(gz.AsSpan(10, gz.Length - 18), decoded);
        Assert.Equal(data, decoded);
    }
}
