// The libbz2 wrapper against the bzip2 command line tool: what bzip2 writes (single and
// concatenated streams) reads back byte for byte; corrupt and truncated input raises
// CompressionException instead of returning short data.
using System.Diagnostics;

namespace Arbor.Native.Tests;

public class Bzip2Tests
{
    private static byte[] Bzip2Tool(byte[] data)
    {
        var psi = new ProcessStartInfo("bzip2", "-c") { RedirectStandardInput = true, RedirectStandardOutput = true };
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Fail("'bzip2' is not installed; apt-get install bzip2");
            throw;
        }
        var writer = Task.Run(() => { p.StandardInput.BaseStream.Write(data); p.StandardInput.Close(); });
        var ms = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(ms);
        writer.Wait();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return ms.ToArray();
    }

    private static byte[] Decompress(byte[] packed)
    {
        using var s = new Bzip2DecompressStream(new MemoryStream(packed));
        var ms = new MemoryStream();
        var buf = new byte[777];
        int n;
        while ((n = s.Read(buf)) > 0)
            ms.Write(buf, 0, n);
        return ms.ToArray();
    }

    [Fact]
    public void ReadsWhatBzip2Writes()
    {
        var data = TestData.Compressible(1_500_000, 1);
        Assert.Equal(data, Decompress(Bzip2Tool(data)));
        Assert.Empty(Decompress(Bzip2Tool([])));
    }

    [Fact]
    public void ReadsConcatenatedStreams()
    {
        var a = TestData.Compressible(300_000, 2);
        var b = TestData.Compressible(200_000, 3);
        Assert.Equal([.. a, .. b], Decompress([.. Bzip2Tool(a), .. Bzip2Tool(b)]));
    }

    [Fact]
    public void CorruptAndTruncatedInputFail()
    {
        var packed = Bzip2Tool(TestData.Compressible(400_000, 4));
        var truncated = packed[..(packed.Length / 2)];
        Assert.Contains("unexpected end", Assert.Throws<CompressionException>(() => Decompress(truncated)).Message);
        var corrupt = (byte[])packed.Clone();
        for (int i = 100; i < 200; i++)
            corrupt[i] ^= 0x5a;
        Assert.Throws<CompressionException>(() => Decompress(corrupt));
        Assert.Contains("not in bzip2 format", Assert.Throws<CompressionException>(() => Decompress("hello world, not bzip2"u8.ToArray())).Message);
    }
}
