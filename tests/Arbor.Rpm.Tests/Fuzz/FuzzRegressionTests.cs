// Fixed-input regressions for what the rpm fuzz campaigns found, each the minimized failing case
// rebuilt from a real header so it does not depend on the campaign's random stream.
using System.Buffers.Binary;
using Arbor.Rpm.Header;
using Arbor.Rpm.Package;

namespace Arbor.Rpm.Tests.Fuzz;

public class FuzzRegressionTests
{
    // A stream that cannot seek, like a package read from a pipe or the network.
    private sealed class Pipe(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }

    // "rpm header": an intro whose data length claims 160 MiB in front of 4 KiB of header. The
    // whole claimed size was allocated before reading found the data missing.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Header_whose_counts_claim_more_than_the_file_holds_fails_without_allocating_it(bool seekable)
    {
        using var pkg = RpmPackage.Open(new MemoryStream(RpmSeeds.Get.Packages[0].Data), leaveOpen: false);
        var raw = (byte[])pkg.Header.Raw.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(raw.AsSpan(12), 0x0A00_0000);
        Stream s = seekable ? new MemoryStream(raw) : new Pipe(raw);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<RpmFormatException>(() => RpmHeader.Read(s, "main header", 0));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 16 << 20);
        Assert.Contains("main header: truncated at offset", e.Message);
        Assert.Contains($"got {raw.Length - 16}", e.Message);
    }

    // A header larger than the first read buffer, read whole from a pipe (the growing path).
    [Fact]
    public void Large_header_read_from_a_pipe_parses()
    {
        var blob = new byte[3 << 20];
        new Random(5).NextBytes(blob);
        var raw = HeaderWriter.Build([HeaderEntry.String((int)RpmTag.Name, "big"), HeaderEntry.Bytes(5000, blob)], (int)RpmTag.HeaderImmutable);
        var h = RpmHeader.Read(new Pipe(raw), "main header", 0);
        Assert.Equal(raw, h.Raw);
        Assert.Equal(blob, (byte[])h.Get(5000)!.Value);
    }

    // "dnf .repo files": metadata_expire=99999999999999999999 made TimeSpan.FromSeconds throw
    // OverflowException; NaN and Infinity parse as doubles and threw ArgumentException.
    [Theory]
    [InlineData("99999999999999999999")]
    [InlineData("99999999999999d")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    public void Metadata_expire_out_of_range_is_a_format_error(string value)
    {
        var e = Assert.Throws<FormatException>(() => Arbor.Rpm.Repodata.RepoConfig.Parse($"[r]\nbaseurl=file:///srv/r\nmetadata_expire={value}\n", "x.repo", new Dictionary<string, string>()));
        Assert.Contains("metadata_expire", e.Message);
        Assert.Equal(TimeSpan.FromDays(7), Arbor.Rpm.Repodata.RepoConfig.ParseExpire("7d", "x.repo"));
    }
}
