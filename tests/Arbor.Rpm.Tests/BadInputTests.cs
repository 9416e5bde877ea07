// Hostile and broken packages: truncation at every stage, wrong magic, index entries pointing past
// the data store, absurd counts, digest mismatches, corrupt compressed payloads, and payload paths
// with ".." or an absolute escape. Each must be one clear exception naming what was wrong, and
// extraction must never write outside its target directory.
using System.Buffers.Binary;
using System.IO.Compression;
using Arbor.Native;
using Arbor.Rpm.Header;
using Arbor.Rpm.Package;

namespace Arbor.Rpm.Tests;

public class BadInputTests
{
    private static byte[] Good(string payload = "w9.gzdio") => File.ReadAllBytes(Tools.BuildRpm(payload));

    private static RpmPackage Open(byte[] b) => RpmPackage.Open(new MemoryStream(b));

    private static int MainHeaderOffset(byte[] b)
    {
        int il = BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(96 + 8));
        int dl = BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(96 + 12));
        int end = 96 + 16 + il * 16 + dl;
        return end + (8 - end % 8) % 8;
    }

    [Fact]
    public void TruncatedAnywhereIsAClearError()
    {
        var good = Good();
        int main = MainHeaderOffset(good);
        foreach (int cut in new[] { 0, 3, 50, 96, 100, 200, main + 10, main + 500 })
        {
            var e = Assert.Throws<RpmFormatException>(() => Open(good[..cut]));
            Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        }
        using var pkg = Open(good[..(good.Length - 100)]);
        var p = Assert.ThrowsAny<Exception>(() => pkg.VerifyAll());
        Assert.True(p is RpmFormatException or RpmDigestException, p.ToString());
    }

    [Fact]
    public void WrongMagic()
    {
        var b = Good();
        b[0] = 0x7F;
        Assert.Contains("bad magic", Assert.Throws<RpmFormatException>(() => Open(b)).Message, StringComparison.Ordinal);
        b = Good();
        b[MainHeaderOffset(b) + 1] = 0;
        var e = Assert.Throws<RpmFormatException>(() => Open(b));
        Assert.Contains("main header: bad magic", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IndexEntryPastData()
    {
        var b = Good();
        int h = MainHeaderOffset(b);
        // Point the second index entry's offset far past the data store.
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(h + 16 + 16 + 8), 0x0FFFFFF0);
        var e = Assert.Throws<RpmFormatException>(() => Open(b));
        Assert.Contains("outside the data store", e.Message, StringComparison.Ordinal);
        Assert.Contains("main header: tag", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AbsurdCounts()
    {
        var b = Good();
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(96 + 8), 0x7FFFFFFF);
        Assert.Contains("index entry count", Assert.Throws<RpmFormatException>(() => Open(b)).Message, StringComparison.Ordinal);
        b = Good();
        int h = MainHeaderOffset(b);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(h + 16 + 16 + 12), 0x7FFFFFFF);
        Assert.Contains("count 2147483647", Assert.Throws<RpmFormatException>(() => Open(b)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HeaderDigestMismatch()
    {
        var b = Good();
        int h = MainHeaderOffset(b);
        int at = b.AsSpan(h).IndexOf("The hello package"u8) + h;
        b[at] = (byte)'t';
        using var pkg = Open(b);
        var e = Assert.Throws<RpmDigestException>(() => pkg.VerifyHeaderDigests());
        Assert.Contains("header SHA256 digest mismatch", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A good package with one payload byte flipped, <paramref name="at"/> bytes into the payload (negative: from the end).</summary>
    private static byte[] Damaged(string payload, int at)
    {
        var b = Good(payload);
        int start;
        using (var pkg = Open(b))
            start = (int)pkg.PayloadOffset;
        b[at >= 0 ? start + at : b.Length + at] ^= 0x55;
        return b;
    }

    public static TheoryData<string, int> DamagedPayloads()
    {
        var data = new TheoryData<string, int>();
        foreach (var payload in new[] { "w9.gzdio", "w6.xzdio", "w19.zstdio" })
        {
            foreach (int at in new[] { 12, 40, 100, -20 })
                data.Add(payload, at);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(DamagedPayloads))]
    public void DamagedPayloadIsADigestMismatch(string payload, int at)
    {
        using var pkg = Open(Damaged(payload, at));
        pkg.VerifyHeaderDigests();
        var e = Assert.Throws<RpmDigestException>(() => pkg.VerifyAll());
        Assert.StartsWith("payload SHA256 digest mismatch", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GarbagePayloadNamesTheDigestAndTheDecoder()
    {
        var g = Good("w6.xzdio");
        int start;
        using (var pkg = Open(g))
            start = (int)pkg.PayloadOffset;
        for (int i = start; i < start + 64; i++)
            g[i] = 0x42;
        using (var pkg = Open(g))
        {
            var e = Assert.Throws<RpmDigestException>(() => pkg.VerifyAll());
            Assert.StartsWith("payload SHA256 digest mismatch", e.Message, StringComparison.Ordinal);
            Assert.Contains("xz", e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(DamagedPayloads))]
    public void DamagedPayloadExtractsNothing(string payload, int at)
    {
        var dir = Tools.TempDir("damaged");
        try
        {
            using var pkg = Open(Damaged(payload, at));
            var e = Assert.Throws<RpmDigestException>(() => PayloadExtractor.Extract(pkg, Path.Combine(dir, "target")));
            Assert.StartsWith("payload SHA256 digest mismatch", e.Message, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(dir));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ExtractIntoAnExistingDirectoryAddsOnlyWhenComplete()
    {
        var dir = Tools.TempDir("existing");
        try
        {
            var target = Path.Combine(dir, "target");
            Directory.CreateDirectory(Path.Combine(target, "usr/bin"));
            File.WriteAllText(Path.Combine(target, "usr/bin/mine"), "kept");
            File.WriteAllText(Path.Combine(target, "usr/bin/hello"), "old");
            using (var bad = Open(Damaged("w9.gzdio", 40)))
                Assert.Throws<RpmDigestException>(() => PayloadExtractor.Extract(bad, target));
            Assert.Equal(["target"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
            Assert.Equal(["hello", "mine"], Directory.GetFileSystemEntries(Path.Combine(target, "usr/bin")).Select(Path.GetFileName).Order());
            Assert.Equal("old", File.ReadAllText(Path.Combine(target, "usr/bin/hello")));

            using (var good = Open(Good()))
                PayloadExtractor.Extract(good, target);
            Assert.Equal("kept", File.ReadAllText(Path.Combine(target, "usr/bin/mine")));
            Assert.Equal("hi\n", File.ReadAllText(Path.Combine(target, "usr/bin/hello")));
            Assert.Equal(2u, LibC.LStat(Path.Combine(target, "usr/bin/hello-again")).NLink);
            Assert.Equal(["target"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void CliReportsADamagedPayloadAndExtractsNothing()
    {
        var dir = Tools.TempDir("cli-damaged");
        try
        {
            var path = Path.Combine(dir, "bad.rpm");
            File.WriteAllBytes(path, Damaged("w9.gzdio", 40));
            foreach (var args in new[] { new[] { "verify", path }, ["extract", path, Path.Combine(dir, "out")] })
            {
                var e = new StringWriter();
                Assert.Equal(1, Arbor.Cli.Program.Run(["rpm", .. args], new StringWriter(), e));
                Assert.StartsWith("error: payload SHA256 digest mismatch", e.ToString(), StringComparison.Ordinal);
                Assert.Single(e.ToString().TrimEnd('\n').Split('\n'));
            }
            Assert.Equal(["bad.rpm"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
            // rpm itself agrees that the package is damaged.
            Assert.Contains("NOT OK", Tools.Run("rpm", ["-K", "--nosignature", path], check: false), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static byte[] WithPayload(Action<CpioWriter> fill)
    {
        var good = Good();
        using var pkg = Open(good);
        var cpio = new MemoryStream();
        using (var gz = new GZipStream(cpio, CompressionLevel.Fastest, leaveOpen: true))
        {
            var w = new CpioWriter(gz);
            fill(w);
            w.WriteTrailer();
        }
        return [.. good.AsSpan(0, (int)pkg.PayloadOffset), .. cpio.ToArray()];
    }

    [Theory]
    [InlineData("./../escaped", "'..'")]
    [InlineData("./usr/../../escaped", "'..'")]
    [InlineData("/escaped", "absolute path")]
    public void EscapingPayloadPathsAreRefused(string name, string expected)
    {
        var bytes = WithPayload(w =>
        {
            w.WriteHeader(name, 0x81A4, 0, 0, 1, 0, 3);
            w.WriteData("bad"u8);
            w.EndEntry();
        });
        var dir = Tools.TempDir("escape");
        var target = Path.Combine(dir, "target");
        try
        {
            using var pkg = Open(bytes);
            var e = Assert.Throws<RpmFormatException>(() => PayloadExtractor.Extract(pkg, target));
            Assert.Contains(expected, e.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(dir, "escaped")));
            Assert.False(File.Exists("/escaped"));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void WritingThroughASymlinkIsRefused()
    {
        var dir = Tools.TempDir("symlink");
        var target = Path.Combine(dir, "target");
        var outside = Path.Combine(dir, "outside");
        Directory.CreateDirectory(Path.Combine(outside, "sub"));
        File.SetUnixFileMode(Path.Combine(outside, "sub"), (UnixFileMode)0x1ED);
        var bytes = WithPayload(w =>
        {
            var link = System.Text.Encoding.UTF8.GetBytes(outside);
            w.WriteHeader("./link", 0xA1FF, 0, 0, 1, 0, link.Length);
            w.WriteData(link);
            w.EndEntry();
            w.WriteHeader("./link/pwned", 0x81A4, 0, 0, 1, 0, 3);
            w.WriteData("bad"u8);
            w.EndEntry();
        });
        try
        {
            using var pkg = Open(bytes);
            var e = Assert.Throws<RpmFormatException>(() => PayloadExtractor.Extract(pkg, target));
            Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);
            Assert.Equal(["sub"], Directory.GetFileSystemEntries(outside).Select(Path.GetFileName));
            // Cleaning up the staging directory never reaches through the package's link.
            Assert.Equal((UnixFileMode)0x1ED, File.GetUnixFileMode(Path.Combine(outside, "sub")));
            Assert.Equal(["outside"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void CliReportsOneLineErrors()
    {
        var dir = Tools.TempDir("cli");
        try
        {
            var path = Path.Combine(dir, "bad.rpm");
            File.WriteAllText(path, "this is not an rpm, not at all, it is just text that goes on for a while................................................");
            var o = new StringWriter();
            var e = new StringWriter();
            Assert.Equal(1, Arbor.Cli.Program.Run(["rpm", "info", path], o, e));
            Assert.StartsWith("error: lead: bad magic", e.ToString(), StringComparison.Ordinal);
            Assert.Single(e.ToString().TrimEnd('\n').Split('\n'));
            var usage = new StringWriter();
            Assert.Equal(1, Arbor.Cli.Program.Run(["rpm", "frobnicate"], o, usage));
            Assert.StartsWith("error: Unknown \"rpm\" subcommand \"frobnicate\"\n", usage.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void HeaderRoundTripsThroughWriter()
    {
        var entries = new[]
        {
            HeaderEntry.String(1000, "n"), HeaderEntry.Int16(1030, 0x81A4, 0x41ED), HeaderEntry.Int64(5008, 1UL << 33),
            HeaderEntry.StringArray(1117, "a", "b"), HeaderEntry.I18n(1004, "sum"), HeaderEntry.Bytes(1004 + 1000, [1, 2, 3]),
            HeaderEntry.Int32(1028, 5, 6), HeaderEntry.Bytes(2000, [7], HeaderType.Int8),
        };
        var raw = HeaderWriter.Build(entries, 63);
        var h = RpmHeader.Parse(raw);
        Assert.Equal("n", h.GetString(RpmTag.Name));
        Assert.Equal([0x81A4L, 0x41ED], h.GetIntegers(RpmTag.FileModes));
        Assert.Equal([1L << 33], h.GetIntegers(RpmTag.LongFileSizes));
        Assert.Equal(["a", "b"], h.GetStrings(RpmTag.BaseNames));
        Assert.Equal("sum", h.GetString(RpmTag.Summary));
        Assert.Equal(HeaderType.I18nString, h.Get(RpmTag.Summary)!.Type);
        Assert.Equal([7L], h.Get(2000)!.AsIntegers());
        Assert.Equal(63, h.Entries[0].Tag);
    }
}
