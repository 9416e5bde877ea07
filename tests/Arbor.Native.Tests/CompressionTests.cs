// Round trips and interop for the liblzma and libzstd wrappers: data compressed here is read by
// the xz/zstd command line tools when present, and what those tools write is read here; corrupt
// and truncated input raises CompressionException instead of returning short data.
using System.Diagnostics;

namespace Arbor.Native.Tests;

public class CompressionTests
{
    private static byte[] Sample(int n)
    {
        var rng = new Random(42);
        var b = new byte[n];
        for (int i = 0; i < n; i++)
            b[i] = (byte)(i % 97 < 60 ? 'a' + i % 7 : rng.Next(256));
        return b;
    }

    private static byte[] ReadAll(Stream s)
    {
        var ms = new MemoryStream();
        var buf = new byte[1000];
        int n;
        while ((n = s.Read(buf)) > 0)
            ms.Write(buf, 0, n);
        return ms.ToArray();
    }

    private static byte[] Xz(byte[] data, int preset = 6)
    {
        var ms = new MemoryStream();
        using (var z = new XzCompressStream(ms, preset, leaveOpen: true))
            z.Write(data);
        return ms.ToArray();
    }

    private static byte[] Zstd(byte[] data, int level = 3)
    {
        var ms = new MemoryStream();
        using (var z = new ZstdCompressStream(ms, level, leaveOpen: true))
            z.Write(data);
        return ms.ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(300_000)]
    public void XzRoundTrip(int n)
    {
        var data = Sample(n);
        var packed = Xz(data, 1);
        Assert.Equal(new byte[] { 0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0 }, packed[..6]);
        using var d = new XzDecompressStream(new MemoryStream(packed));
        Assert.Equal(data, ReadAll(d));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(300_000)]
    public void ZstdRoundTrip(int n)
    {
        var data = Sample(n);
        var packed = Zstd(data, 3);
        Assert.Equal(new byte[] { 0x28, 0xB5, 0x2F, 0xFD }, packed[..4]);
        using var d = new ZstdDecompressStream(new MemoryStream(packed));
        Assert.Equal(data, ReadAll(d));
    }

    [Fact]
    public void ConcatenatedFramesAreOneStream()
    {
        var a = Sample(1000);
        var b = Sample(2000);
        using (var d = new ZstdDecompressStream(new MemoryStream([.. Zstd(a), .. Zstd(b)])))
            Assert.Equal([.. a, .. b], ReadAll(d));
        using (var d = new XzDecompressStream(new MemoryStream([.. Xz(a), .. Xz(b)])))
            Assert.Equal([.. a, .. b], ReadAll(d));
    }

    [Fact]
    public void TruncatedXzThrows()
    {
        var packed = Xz(Sample(100_000));
        using var d = new XzDecompressStream(new MemoryStream(packed[..(packed.Length / 2)]));
        var e = Assert.Throws<CompressionException>(() => ReadAll(d));
        Assert.Contains("xz", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedZstdThrows()
    {
        var packed = Zstd(Sample(100_000));
        using var d = new ZstdDecompressStream(new MemoryStream(packed[..(packed.Length / 2)]));
        var e = Assert.Throws<CompressionException>(() => ReadAll(d));
        Assert.Contains("end of input", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CorruptStreamsThrow()
    {
        var x = Xz(Sample(50_000));
        x[x.Length / 2] ^= 0xFF;
        Assert.Throws<CompressionException>(() => ReadAll(new XzDecompressStream(new MemoryStream(x))));
        var z = Zstd(Sample(50_000));
        z[z.Length / 2] ^= 0xFF;
        z[z.Length / 2 + 1] ^= 0xFF;
        Assert.Throws<CompressionException>(() => ReadAll(new ZstdDecompressStream(new MemoryStream(z))));
        Assert.Throws<CompressionException>(() => ReadAll(new XzDecompressStream(new MemoryStream("not xz at all"u8.ToArray()))));
        Assert.Throws<CompressionException>(() => ReadAll(new ZstdDecompressStream(new MemoryStream("not zstd at all"u8.ToArray()))));
    }

    [Theory]
    [InlineData("xz")]
    [InlineData("zstd")]
    public void CommandLineToolReadsWhatWeWrite(string tool)
    {
        var data = Sample(200_000);
        var path = Path.Combine(Path.GetTempPath(), $"arbor-native-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, tool == "xz" ? Xz(data) : Zstd(data));
        try
        {
            var psi = new ProcessStartInfo(tool, ["-d", "-c", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
            Process p;
            try { p = Process.Start(psi)!; }
            catch (System.ComponentModel.Win32Exception) { Assert.Fail($"'{tool}' is not installed (apt-get install {(tool == "xz" ? "xz-utils" : "zstd")})"); return; }
            var ms = new MemoryStream();
            p.StandardOutput.BaseStream.CopyTo(ms);
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
            Assert.Equal(data, ms.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static (int ExitCode, string Stdout) RunTool(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout);
    }

    [Theory]
    [InlineData(false, 0UL)]
    [InlineData(true, 0UL)]
    [InlineData(false, 100_000UL)]
    [InlineData(true, 100_000UL)]
    public void XzBlocksAndX86FilterRoundTripThroughEveryDecoder(bool x86, ulong blockSize)
    {
        var data = Sample(300_000);
        var ms = new MemoryStream();
        using (var z = new XzCompressStream(ms, new XzOptions { Preset = 6, X86 = x86, BlockSize = blockSize, Threads = 2 }, leaveOpen: true))
            z.Write(data);
        var packed = ms.ToArray();
        foreach (int threads in new[] { 1, 2 })
        {
            using var d = new XzDecompressStream(new MemoryStream(packed), threads: threads);
            Assert.Equal(data, ReadAll(d));
        }
        var path = Path.Combine(Path.GetTempPath(), $"arbor-native-{Guid.NewGuid():N}.xz");
        File.WriteAllBytes(path, packed);
        try
        {
            var (code, list) = RunTool("xz", "--robot", "-lvv", path);
            Assert.Equal(0, code);
            var blocks = list.Split('\n').Where(l => l.StartsWith("block\t", StringComparison.Ordinal)).ToList();
            Assert.Equal(blockSize == 0 ? 1 : 3, blocks.Count);
            Assert.All(blocks, b => Assert.Equal(x86, b.Contains("x86", StringComparison.Ordinal)));
            var (dcode, _) = RunTool("xz", "-t", path);
            Assert.Equal(0, dcode);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MultiThreadedDecoderReportsCorruption()
    {
        var ms = new MemoryStream();
        using (var z = new XzCompressStream(ms, new XzOptions { BlockSize = 50_000 }, leaveOpen: true))
            z.Write(Sample(200_000));
        var packed = ms.ToArray();
        packed[packed.Length / 2] ^= 0x55;
        Assert.Throws<CompressionException>(() => ReadAll(new XzDecompressStream(new MemoryStream(packed), threads: 2)));
    }
}
