using System.Formats.Tar;
using System.Text;
using Arbor.Ostree.Commits;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Tests.Commits;

// Damaged tar archives are refused naming the header and its offset; none commits as a part of
// itself. Archives are built block by block here so each header can be damaged on purpose.
public class TarDamageTests
{
    private const int Block = 512;

    /// <summary>One ustar header block with a correct (unsigned) checksum.</summary>
    private static byte[] Header(string name, char type, long size, string mode = "0000644")
    {
        var h = new byte[Block];
        Encoding.UTF8.GetBytes(name).CopyTo(h, 0);
        Encoding.ASCII.GetBytes(mode + "\0").CopyTo(h, 100);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(h, 108);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(h, 116);
        Encoding.ASCII.GetBytes(Convert.ToString(size, 8).PadLeft(11, '0') + "\0").CopyTo(h, 124);
        Encoding.ASCII.GetBytes("00000000000\0").CopyTo(h, 136);
        h[156] = (byte)type;
        "ustar\0"u8.CopyTo(h.AsSpan(257));
        "00"u8.CopyTo(h.AsSpan(263));
        SetChecksum(h, signed: false);
        return h;
    }

    private static void SetChecksum(byte[] h, bool signed)
    {
        long sum = 8 * ' ';
        for (int i = 0; i < Block; i++)
            sum += i is >= 148 and < 156 ? 0 : signed ? (sbyte)h[i] : h[i];
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(h, 148);
    }

    private static byte[] Data(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var d = new byte[(bytes.Length + Block - 1) / Block * Block];
        bytes.CopyTo(d, 0);
        return d;
    }

    private static byte[] Pax(string records)
    {
        // Each record is "LEN KEY=VALUE\n" where LEN counts itself.
        var sb = new StringBuilder();
        foreach (var r in records.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int len = r.Length + 3;
            while ((len.ToString().Length + 1 + r.Length + 1) != len)
                len = len.ToString().Length + 1 + r.Length + 1;
            sb.Append(len).Append(' ').Append(r).Append('\n');
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static readonly byte[] EndMarker = new byte[2 * Block];

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>d/, d/f ("hello\n"), g ("x\n"): the second header at offset 512.</summary>
    private static byte[][] Entries() =>
    [
        Header("d/", '5', 0, "0000755"),
        Header("d/f", '0', 6), Data("hello\n"),
        Header("g", '0', 2), Data("x\n"),
    ];

    private static MutableTree Import(Repository repo, byte[] archive, bool autocreate = false)
    {
        var tree = new MutableTree();
        TarImporter.Import(repo, new MemoryStream(archive), tree, new CommitModifier { SkipXattrs = true }, autocreate);
        return tree;
    }

    private static Repository NewRepo(TempDir tmp) => Repository.Create(tmp["repo"], RepoMode.Archive);

    [Fact]
    public void An_intact_archive_imports()
    {
        using var tmp = new TempDir();
        var tree = Import(NewRepo(tmp), Concat([.. Entries(), EndMarker]));
        Assert.Equal(["g"], tree.Files.Keys);
        Assert.Equal(["f"], tree.Dirs["d"].Files.Keys);
    }

    [Fact]
    public void A_stale_checksum_is_refused_naming_the_entry_and_offset()
    {
        using var tmp = new TempDir();
        var e = Entries();
        e[1][108] = (byte)'1'; // uid changed after the checksum was computed
        var ex = Assert.Throws<OstreeException>(() => Import(NewRepo(tmp), Concat([.. e, EndMarker])));
        Assert.StartsWith("Damaged tar archive: the header at offset 512 ('d/f') has checksum", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("000000\0 ")]
    [InlineData("\0\0\0\0\0\0\0\0")]
    [InlineData("        ")]
    [InlineData("0123x56\0")]
    public void A_zero_empty_or_garbled_checksum_does_not_end_the_archive(string field)
    {
        using var tmp = new TempDir();
        var repo = NewRepo(tmp);
        var e = Entries();
        Encoding.ASCII.GetBytes(field).CopyTo(e[1], 148);
        var ex = Assert.Throws<OstreeException>(() => Import(repo, Concat([.. e, EndMarker])));
        Assert.StartsWith("Damaged tar archive: the header at offset 512 ('d/f')", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_signed_checksum_variant_is_accepted()
    {
        using var tmp = new TempDir();
        var unsigned = Header("é", '0', 2);
        var signed = (byte[])unsigned.Clone();
        SetChecksum(signed, signed: true);
        Assert.NotEqual(unsigned.AsSpan(148, 8).ToArray(), signed.AsSpan(148, 8).ToArray());
        var repo = NewRepo(tmp);
        var a = Import(repo, Concat(unsigned, Data("x\n"), EndMarker));
        var b = Import(repo, Concat(signed, Data("x\n"), EndMarker));
        Assert.Equal(a.Files["é"], b.Files["é"]);
    }

    [Fact]
    public void A_zero_block_before_more_entries_is_a_damaged_header_not_the_end()
    {
        using var tmp = new TempDir();
        var e = Entries();
        Array.Clear(e[1]); // the whole header of d/f zeroed
        var ex = Assert.Throws<OstreeException>(() => Import(NewRepo(tmp), Concat([.. e, EndMarker])));
        Assert.StartsWith("Damaged tar archive: the zero block at offset 512 is followed by a block that is not (at offset 1024)", ex.Message, StringComparison.Ordinal);

        // Even when it is the very first block: no empty tree from a non-empty archive.
        ex = Assert.Throws<OstreeException>(() => Import(NewRepo(new TempDir()), Concat(new byte[Block], Header("a", '0', 0), EndMarker)));
        Assert.Contains("zero block at offset 0 ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_archive_must_end_with_two_zero_blocks()
    {
        using var tmp = new TempDir();
        var repo = NewRepo(tmp);
        var entries = Concat(Entries());
        foreach (var archive in new[] { entries, Concat(entries, new byte[Block]), entries[..^Block], entries[..(entries.Length - 100)], Array.Empty<byte>() })
        {
            var ex = Assert.Throws<OstreeException>(() => Import(repo, archive));
            Assert.StartsWith("Damaged tar archive: the archive ends at offset", ex.Message, StringComparison.Ordinal);
            Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
        }
        // The end marker alone is an empty archive; what follows the marker (record padding) is not read.
        Assert.Empty(Import(repo, EndMarker).Files);
        Assert.Equal(["g"], Import(repo, Concat(entries, EndMarker, Header("junk", '0', 0))).Files.Keys);
    }

    [Fact]
    public void Pax_sizes_and_gnu_long_names_are_followed_to_the_next_header()
    {
        using var tmp = new TempDir();
        var repo = NewRepo(tmp);
        // A PAX size record overrides the header's size field (as for files over 8 GiB).
        var pax = Pax("size=6\npath=long/" + new string('n', 150) + "\n");
        var archive = Concat(
            Header("long/", '5', 0, "0000755"),
            Header("PaxHeaders/x", 'x', pax.Length), Data(Encoding.UTF8.GetString(pax)),
            Header("placeholder", '0', 0), Data("hello\n"),
            Header("g", '0', 2), Data("x\n"),
            EndMarker);
        var tree = Import(repo, archive);
        Assert.Equal([new string('n', 150)], tree.Dirs["long"].Files.Keys);
        Assert.Equal(["g"], tree.Files.Keys);

        // GNU, PAX and ustar archives written by TarWriter, with names too long for the name field
        // (GNU 'L' and PAX 'x' entries before the file; ustar's prefix field).
        foreach (var format in new[] { TarEntryFormat.Gnu, TarEntryFormat.Pax, TarEntryFormat.Ustar })
        {
            var dir = new string('q', 60);
            var name = dir + "/" + new string('p', format == TarEntryFormat.Ustar ? 90 : 200);
            var ms = new MemoryStream();
            using (var w = new TarWriter(ms, format, leaveOpen: true))
            {
                w.WriteEntry(format switch
                {
                    TarEntryFormat.Gnu => new GnuTarEntry(TarEntryType.Directory, dir),
                    TarEntryFormat.Pax => new PaxTarEntry(TarEntryType.Directory, dir),
                    _ => new UstarTarEntry(TarEntryType.Directory, dir),
                });
                TarEntry file = format switch
                {
                    TarEntryFormat.Gnu => new GnuTarEntry(TarEntryType.RegularFile, name),
                    TarEntryFormat.Pax => new PaxTarEntry(TarEntryType.RegularFile, name),
                    _ => new UstarTarEntry(TarEntryType.RegularFile, name),
                };
                file.DataStream = new MemoryStream(new byte[1000]);
                w.WriteEntry(file);
            }
            var t = Import(repo, ms.ToArray());
            Assert.Equal([name[(dir.Length + 1)..]], t.Dirs[dir].Files.Keys);
        }
    }

    [Fact]
    public void A_damaged_gzip_compressed_archive_is_refused_too()
    {
        using var tmp = new TempDir();
        var e = Entries();
        e[3][116] = (byte)'7';
        var ms = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(Concat([.. e, EndMarker]));
        var ex = Assert.Throws<OstreeException>(() => Import(NewRepo(tmp), ms.ToArray()));
        Assert.StartsWith("Damaged tar archive: the header at offset 1536 ('g')", ex.Message, StringComparison.Ordinal);
    }
}
