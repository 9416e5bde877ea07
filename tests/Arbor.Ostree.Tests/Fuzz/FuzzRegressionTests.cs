// Fixed-input regressions for what the fuzz campaigns found: each test is the minimized failing
// case of a campaign (named in the comment), rebuilt from a real object so it does not depend on
// the campaign's random stream, and asserts the clean error that replaced the crash.
using System.Buffers.Binary;
using Arbor.Ostree.Deltas;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Tests.Fuzz;

public sealed class FuzzRegressionTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    // An archive object as the repository stores it, with its checksum.
    private (byte[] Filez, Checksum Checksum) ArchiveObject(string text)
    {
        var repo = Repository.Create(_tmp["archive-src"], RepoMode.Archive);
        var c = repo.WriteContent(new FileHeader(0, 0, 0x81A4, "", []), System.Text.Encoding.UTF8.GetBytes(text));
        return (File.ReadAllBytes(repo.ObjectPath(c, ObjectType.File)), c);
    }

    // "archive object (.filez)": setint64 on the header's size field. The size went through
    // checked((long)size) (OverflowException) or FileStream.SetLength (ArgumentOutOfRangeException,
    // after creating a sparse file of that length).
    [Theory]
    [InlineData(ulong.MaxValue, RepoMode.BareUser)]
    [InlineData(1UL << 45, RepoMode.BareUser)]
    [InlineData(1UL << 45, RepoMode.Archive)]
    [InlineData(0x1_0000_0000UL, RepoMode.Bare)]
    public void Archive_object_with_an_impossible_size_is_refused_by_import(ulong size, RepoMode mode)
    {
        var (filez, c) = ArchiveObject("fuzz regression\n");
        BinaryPrimitives.WriteUInt64BigEndian(filez.AsSpan(8), size);
        var repo = Repository.Create(_tmp[$"import-{mode}"], mode);
        var e = Assert.Throws<OstreeException>(() => repo.ImportArchiveContent(new ArraySegment<byte>(filez), c));
        Assert.Contains($"archive header size {size}", e.Message);
        var path = Path.Combine(_tmp.Path, "object.filez");
        File.WriteAllBytes(path, filez);
        e = Assert.Throws<OstreeException>(() => repo.ImportArchiveContent(path, c));
        Assert.Contains($"archive header size {size}", e.Message);
        Assert.False(repo.HasObject(c, ObjectType.File));
    }

    // The same object read from a repository that holds it: OpenContent reported a negative Size.
    [Fact]
    public void Archive_object_with_an_impossible_size_is_reported_corrupt_when_opened()
    {
        var (filez, c) = ArchiveObject("fuzz regression\n");
        BinaryPrimitives.WriteUInt64BigEndian(filez.AsSpan(8), ulong.MaxValue);
        var repo = Repository.Create(_tmp["corrupt"], RepoMode.Archive);
        var path = repo.ObjectPath(c, ObjectType.File);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, filez);
        var e = Assert.Throws<OstreeException>(() => repo.OpenContent(c));
        Assert.Contains("Corrupted file object", e.Message);
        Assert.NotNull(Arbor.Ostree.Repo.Fsck.VerifyObject(repo, new ObjectName(c, ObjectType.File), out _));
    }

    // "summary": setint64 on a ref's ostree.commit.timestamp; `summary --view` threw
    // ArgumentOutOfRangeException from DateTimeOffset. ostree prints "invalid" there.
    [Theory]
    [InlineData(0x54a057c4dfe7abd7UL)]
    [InlineData(253402300800UL)]
    public void Summary_view_prints_invalid_for_timestamps_outside_glib_range(ulong timestamp)
    {
        var meta = new List<KeyValuePair<string, GVariantValue>> { new("ostree.commit.timestamp", new GVNumber('t', BinaryPrimitives.ReverseEndianness(timestamp))) };
        var summary = new Summary([new SummaryRef("main", 100, Checksum.Of("x"u8), meta)],
            [new("ostree.summary.last-modified", new GVNumber('t', BinaryPrimitives.ReverseEndianness(timestamp)))]);
        var view = Arbor.Cli.OstreeText.View(Summary.Parse(summary.Serialize()));
        Assert.Contains("Timestamp (ostree.commit.timestamp): invalid\n", view);
        Assert.Contains("Last-Modified (ostree.summary.last-modified): invalid\n", view);
        Assert.Equal("1970-01-01T00:00:00+00", Arbor.Cli.OstreeText.Iso8601(0));
    }

    // "delta part payload + ops": an 'o' opcode declaring 0x7FFFFFFF bytes allocated the whole
    // object up front (OutOfMemoryException: array dimensions exceeded); smaller sizes allocated
    // hundreds of MiB before the first write.
    [Theory]
    [InlineData(0x7FFF_FFFFUL)]
    [InlineData(0x1800_0000UL)]
    public void Open_opcode_with_a_huge_size_fails_without_allocating_it(ulong size)
    {
        var repo = Repository.Create(_tmp["apply"], RepoMode.BareUser);
        var ops = new MemoryStream();
        ops.WriteByte(DeltaOps.Open);
        DeltaOps.WriteVarUInt64(ops, 0); // mode index
        DeltaOps.WriteVarUInt64(ops, 0); // xattr index
        DeltaOps.WriteVarUInt64(ops, size);
        ops.WriteByte(DeltaOps.Write);
        DeltaOps.WriteVarUInt64(ops, 4);
        DeltaOps.WriteVarUInt64(ops, 0);
        ops.WriteByte(DeltaOps.Close);
        var part = new DeltaPartPayload([(0, 0, 0x81A4)], [Xattrs.None], "data"u8.ToArray(), ops.ToArray());
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => DeltaApplier.ExecutePart(repo, [new ObjectName(Checksum.Of("x"u8), ObjectType.File)], part));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 16 << 20);
        Assert.Contains($"wrote 4 of {size} bytes", e.Message);
    }

    // The same for bspatch: every byte it produces comes from the patch, so a larger size is corrupt.
    [Fact]
    public void Bspatch_refuses_a_size_its_patch_cannot_produce()
    {
        var e = Assert.Throws<InvalidDataException>(() => Arbor.Ostree.Deltas.Bsdiff.Patch("old"u8, new byte[48], 0x7000_0000));
        Assert.Contains("new size 1879048192", e.Message);
    }

    // A part header declaring a gigabyte for a few hundred bytes of xz: the output buffer was sized
    // from the declaration before a byte was decoded.
    [Fact]
    public void Part_file_with_an_implausible_declared_size_decodes_without_allocating_it()
    {
        var payload = new DeltaPartPayload([(0, 0, 0x81A4)], [Xattrs.None], "data"u8.ToArray(), new byte[] { (byte)'c' });
        var file = DeltaPartPayload.EncodePartFile(payload.Serialize(), compress: true);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var back = DeltaPartPayload.DecodePartFile(file, 0x3FFF_FFF0);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 64 << 20);
        Assert.Equal(payload.Operations.ToArray(), back.Operations.ToArray());
    }

    // "tar import": System.Formats.Tar's own exceptions for malformed headers escaped as
    // EndOfStreamException (header cut short), InvalidOperationException (a PAX header's size past
    // its data) and OverflowException.
    [Theory]
    [InlineData("truncated-header")]
    [InlineData("pax-size-past-data")]
    [InlineData("gnu-sparse")]
    public void Malformed_tar_headers_are_refused_as_tar_errors(string kind)
    {
        var ms = new MemoryStream();
        using (var w = new System.Formats.Tar.TarWriter(ms, kind == "gnu-sparse" ? System.Formats.Tar.TarEntryFormat.Gnu : System.Formats.Tar.TarEntryFormat.Pax, leaveOpen: true))
        {
            System.Formats.Tar.TarEntry e = kind == "gnu-sparse"
                ? new System.Formats.Tar.GnuTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "file")
                : new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "file", new Dictionary<string, string> { ["SCHILY.xattr.user.a"] = "value" });
            e.DataStream = new MemoryStream("data"u8.ToArray());
            w.WriteEntry(e);
        }
        var tar = ms.ToArray();
        if (kind == "truncated-header")
        {
            tar = tar[..(512 + 512 + 100)];
            tar[512 + 156] = (byte)'0'; // keep the first header readable; cut inside the second
        }
        else if (kind == "pax-size-past-data")
        {
            // The extended header's size field (octal, at offset 124) claims more than the archive holds.
            System.Text.Encoding.ASCII.GetBytes("77777777777").CopyTo(tar, 124);
            FixTarChecksum(tar);
        }
        else
        {
            tar[156] = (byte)'S'; // GNU sparse file: System.Formats.Tar throws NotSupportedException
            FixTarChecksum(tar);
        }
        var repo = Repository.Create(_tmp["tar"], RepoMode.BareUser);
        var ex = Record.Exception(() => Arbor.Ostree.Commits.TarImporter.Import(repo, new MemoryStream(tar), new Arbor.Ostree.Commits.MutableTree(), new Arbor.Ostree.Commits.CommitModifier(), true));
        var re = Assert.IsType<OstreeException>(ex);
        // The block check in front of the reader names a damaged header; the reader names the rest.
        Assert.True(re.Message.StartsWith("Reading tar archive: ", StringComparison.Ordinal) || re.Message.StartsWith("Damaged tar archive: ", StringComparison.Ordinal), re.Message);
    }

    private static void FixTarChecksum(byte[] tar)
    {
        int sum = 0;
        for (int i = 0; i < 512; i++)
            sum += i is >= 148 and < 156 ? ' ' : tar[i];
        System.Text.Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(tar, 148);
    }
}
