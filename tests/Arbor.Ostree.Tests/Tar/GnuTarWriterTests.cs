// GnuTarWriter against .NET's own tar reader: every entry kind, long names and link targets
// (GNU 'L'/'K' records), numbers too big for octal (base-256), data that crosses the writer's
// buffer, and the end marker with and without record padding.
using System.Formats.Tar;
using System.Text;
using Arbor.Ostree.Tar;

namespace Arbor.Ostree.Tests.Tar;

public class GnuTarWriterTests
{
    private static byte[] Pattern(int length)
    {
        var data = new byte[length];
        for (int i = 0; i < length; i++)
            data[i] = (byte)(i * 31 + (i >> 9));
        return data;
    }

    [Fact]
    public void Entries_read_back_with_their_names_numbers_links_and_data()
    {
        var big = Pattern(200_000);
        var longName = "dir/" + new string('n', 150);
        var longTarget = "/" + new string('t', 130);
        var ms = new MemoryStream();
        using (var w = new GnuTarWriter(ms, leaveOpen: true))
        {
            w.WriteHeader(new TarHeader(".", TarTypeFlag.Directory, 0x41ED, 0, 0, 0, 1_600_000_000));
            w.WriteHeader(new TarHeader("dir", TarTypeFlag.Directory, 0x41C0, 1234, 5678, 0, 1_600_000_000));
            w.WriteHeader(new TarHeader("dir/big", TarTypeFlag.Regular, 0x81ED, 0, 0, big.Length, 1_600_000_000));
            w.CopyData(new MemoryStream(big));
            w.WriteHeader(new TarHeader(longName, TarTypeFlag.Regular, 0x81A4, 3_000_000, 4_000_000, 5, 1));
            w.WriteData("hello"u8);
            w.WriteHeader(new TarHeader("link", TarTypeFlag.Symlink, 0xA1FF, 0, 0, 0, 2, longTarget));
            w.WriteHeader(new TarHeader(longName + "-link", TarTypeFlag.Symlink, 0xA1FF, 0, 0, 0, 2, "short"));
            w.Finish(padRecord: false);
        }
        Assert.Equal(0, ms.Length % GnuTarWriter.BlockSize);

        ms.Position = 0;
        using var reader = new TarReader(ms);
        var entries = new List<(TarEntry Entry, byte[] Data)>();
        while (reader.GetNextEntry(copyData: true) is { } e)
        {
            var data = new MemoryStream();
            e.DataStream?.CopyTo(data);
            entries.Add((e, data.ToArray()));
        }
        Assert.Equal(["./", "dir/", "dir/big", longName, "link", longName + "-link"], entries.Select(e => e.Entry.Name));
        Assert.All(entries, e => Assert.Equal(TarEntryFormat.Gnu, e.Entry.Format));
        Assert.Equal(TarEntryType.Directory, entries[1].Entry.EntryType);
        Assert.Equal((UnixFileMode)0x1C0, entries[1].Entry.Mode);
        Assert.Equal((1234, 5678), (entries[1].Entry.Uid, entries[1].Entry.Gid));
        Assert.Equal(big, entries[2].Data);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_600_000_000), entries[2].Entry.ModificationTime);
        Assert.Equal("hello", Encoding.UTF8.GetString(entries[3].Data));
        Assert.Equal((3_000_000, 4_000_000), (entries[3].Entry.Uid, entries[3].Entry.Gid));
        Assert.Equal(TarEntryType.SymbolicLink, entries[4].Entry.EntryType);
        Assert.Equal(longTarget, entries[4].Entry.LinkName);
        Assert.Equal("short", entries[5].Entry.LinkName);
    }

    [Fact]
    public void Headers_are_laid_out_like_libarchive_gnutar()
    {
        var ms = new MemoryStream();
        using (var w = new GnuTarWriter(ms, leaveOpen: true))
        {
            w.WriteHeader(new TarHeader("a", TarTypeFlag.Regular, 0x81A4, 0, 0, 2, 1_700_000_000));
            w.WriteData("x\n"u8);
            w.Finish(padRecord: false);
        }
        var h = ms.ToArray();
        Assert.Equal(4 * GnuTarWriter.BlockSize, h.Length);
        Assert.Equal("0000644\0" + "0000000\0" + "0000000\0" + "00000000002\0" + "14524770400\0", Encoding.ASCII.GetString(h, 100, 48));
        Assert.Equal("ustar  \0", Encoding.ASCII.GetString(h, 257, 8));
        Assert.Equal((byte)'0', h[156]);
        // Checksum: six octal digits, NUL, space.
        long sum = 8 * ' ';
        for (int i = 0; i < GnuTarWriter.BlockSize; i++)
            sum += i is >= 148 and < 156 ? 0 : h[i];
        Assert.Equal(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ", Encoding.ASCII.GetString(h, 148, 8));
        Assert.All(h[(2 * GnuTarWriter.BlockSize)..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Record_padding_fills_the_last_10240_bytes()
    {
        var ms = new MemoryStream();
        using (var w = new GnuTarWriter(ms, leaveOpen: true))
        {
            w.WriteHeader(new TarHeader("d", TarTypeFlag.Directory, 0x41ED, 0, 0, 0, 0));
            w.Finish(padRecord: true);
        }
        Assert.Equal(GnuTarWriter.RecordSize, ms.Length);
        Assert.Equal("d/", Encoding.ASCII.GetString(ms.ToArray(), 0, 2));
    }

    [Fact]
    public void Short_data_is_zero_filled_and_extra_data_dropped()
    {
        var ms = new MemoryStream();
        using (var w = new GnuTarWriter(ms, leaveOpen: true))
        {
            w.WriteHeader(new TarHeader("short", TarTypeFlag.Regular, 0x81A4, 0, 0, 10, 0));
            w.WriteData("abc"u8);
            w.WriteHeader(new TarHeader("long", TarTypeFlag.Regular, 0x81A4, 0, 0, 2, 0));
            w.WriteData("abcdef"u8);
            w.Finish(padRecord: false);
        }
        ms.Position = 0;
        using var reader = new TarReader(ms);
        var first = reader.GetNextEntry(copyData: true)!;
        var data = new byte[10];
        first.DataStream!.ReadExactly(data);
        Assert.Equal("abc\0\0\0\0\0\0\0"u8.ToArray(), data);
        var second = reader.GetNextEntry(copyData: true)!;
        Assert.Equal(2, second.Length);
        Assert.Null(reader.GetNextEntry());
    }
}
