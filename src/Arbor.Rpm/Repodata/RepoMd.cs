// repomd.xml, the index of an rpm-md repository: one <data type="…"> per metadata file with its
// location, compressed and open checksums, sizes and timestamp. Everything else is reached from
// here, so every metadata file is verified against the checksum repomd.xml gives for it before
// it is parsed (Open), and decompressed by its name (.gz, .xz, .zst, .bz2, or plain).
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Xml;
using Arbor.Native;

namespace Arbor.Rpm.Repodata;

/// <summary>rpm-md metadata is malformed or does not match its checksums.</summary>
public sealed class RepoMetadataException(string message) : IOException(message);

/// <summary>One <c>&lt;data&gt;</c> record of repomd.xml.</summary>
public sealed record RepoMdRecord(string Type, string Location, string ChecksumType, string Checksum,
    string? OpenChecksumType, string? OpenChecksum, long? Size, long? OpenSize, long Timestamp);

/// <summary>A parsed repomd.xml.</summary>
public sealed class RepoMd
{
    /// <summary>The revision string.</summary>
    public string Revision { get; init; } = "";
    /// <summary>The data records.</summary>
    public IReadOnlyList<RepoMdRecord> Records { get; init; } = [];

    /// <summary>The record of a type ("primary", "filelists", "other", …), or null.</summary>
    public RepoMdRecord? Get(string type) => Records.FirstOrDefault(r => r.Type == type);

    /// <summary>The record of a type, or an error naming the repository.</summary>
    public RepoMdRecord Require(string type, string where) =>
        Get(type) ?? throw new RepoMetadataException($"{where}: repomd.xml has no '{type}' data record");

    internal static XmlReaderSettings Settings => new()
    {
        IgnoreWhitespace = true,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        CloseInput = false,
    };

    /// <summary>Parses repomd.xml from a file.</summary>
    public static RepoMd Load(string path)
    {
        using var fs = File.OpenRead(path);
        return Parse(fs, path);
    }

    /// <summary>Parses repomd.xml from a stream; <paramref name="what"/> names it in errors.</summary>
    public static RepoMd Parse(Stream stream, string what)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var records = new List<RepoMdRecord>();
        string revision = "";
        try
        {
            using var r = XmlReader.Create(stream, Settings);
            if (r.MoveToContent() != XmlNodeType.Element || r.LocalName != "repomd")
                throw new RepoMetadataException($"{what}: not a repomd.xml (the root element is not <repomd>)");
            Children(r, x =>
            {
                if (x.LocalName == "revision")
                    revision = x.ReadElementContentAsString().Trim();
                else if (x.LocalName == "data")
                    records.Add(ReadData(x, what));
                else
                    x.Skip();
                return true;
            });
        }
        catch (XmlException e)
        {
            throw new RepoMetadataException($"{what}: not valid XML: {e.Message}");
        }
        return new RepoMd { Revision = revision, Records = records };
    }

    private static RepoMdRecord ReadData(XmlReader r, string what)
    {
        string type = r.GetAttribute("type") ?? throw new RepoMetadataException($"{what}: <data> without a type");
        string? location = null, sumType = null, sum = null, openType = null, open = null;
        long? size = null, openSize = null;
        long ts = 0;
        Children(r, x =>
        {
            switch (x.LocalName)
            {
                case "location":
                    location = x.GetAttribute("href");
                    x.Skip();
                    break;
                case "checksum":
                    sumType = x.GetAttribute("type");
                    sum = x.ReadElementContentAsString().Trim().ToLowerInvariant();
                    break;
                case "open-checksum":
                    openType = x.GetAttribute("type");
                    open = x.ReadElementContentAsString().Trim().ToLowerInvariant();
                    break;
                case "size": size = Number(x, what, type); break;
                case "open-size": openSize = Number(x, what, type); break;
                case "timestamp": ts = Number(x, what, type); break;
                default: x.Skip(); break;
            }
            return true;
        });
        if (location == null || sum == null || sumType == null)
            throw new RepoMetadataException($"{what}: <data type=\"{type}\"> lacks a location or checksum");
        return new RepoMdRecord(type, location, sumType, sum, openType, open, size, openSize, ts);
    }

    /// <summary>
    /// Walks the child elements of the element the reader is on, leaving the reader after its end.
    /// <paramref name="onElement"/> must consume the element it is given (ReadElementContentAsString,
    /// Skip) and return true, or return false to descend into its children.
    /// </summary>
    internal static void Children(XmlReader r, Func<XmlReader, bool> onElement)
    {
        if (r.IsEmptyElement)
        {
            r.Read();
            return;
        }
        int depth = r.Depth;
        r.Read();
        while (!r.EOF && !(r.NodeType == XmlNodeType.EndElement && r.Depth == depth))
        {
            if (r.NodeType != XmlNodeType.Element || !onElement(r))
                r.Read();
        }
        r.Read();
    }

    private static long Number(XmlReader r, string what, string type)
    {
        var s = r.ReadElementContentAsString().Trim();
        // Some generators write timestamps as floats.
        if (long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v))
            return v;
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d))
            return (long)d;
        throw new RepoMetadataException($"{what}: <data type=\"{type}\">: '{s}' is not a number");
    }

    /// <summary>A hash for an rpm-md checksum type (sha256, sha512, sha384, sha1/sha, md5).</summary>
    public static IncrementalHash CreateHash(string type, string what) => type.ToLowerInvariant() switch
    {
        "sha256" => IncrementalHash.CreateHash(HashAlgorithmName.SHA256),
        "sha512" => IncrementalHash.CreateHash(HashAlgorithmName.SHA512),
        "sha384" => IncrementalHash.CreateHash(HashAlgorithmName.SHA384),
#pragma warning disable CA5350, CA5351 // legacy rpm-md checksum types: verified as given, never chosen by Arbor
        "sha1" or "sha" => IncrementalHash.CreateHash(HashAlgorithmName.SHA1),
        "md5" => IncrementalHash.CreateHash(HashAlgorithmName.MD5),
#pragma warning restore CA5350, CA5351
        _ => throw new RepoMetadataException($"{what}: checksum type '{type}' is not supported"),
    };

    /// <summary>Hashes a file with an rpm-md checksum type; returns lower-case hex.</summary>
    public static string HashFile(string path, string type)
    {
        using var h = CreateHash(type, path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buf = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            int n;
            while ((n = fs.Read(buf, 0, buf.Length)) > 0)
                h.AppendData(buf, 0, n);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buf);
        }
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    /// <summary>Checks a metadata file against its record (size and checksum); throws naming the file on mismatch.</summary>
    public static void Verify(string path, RepoMdRecord rec)
    {
        ArgumentNullException.ThrowIfNull(rec);
        if (!File.Exists(path))
            throw new RepoMetadataException($"{rec.Location}: missing (repomd.xml lists it as '{rec.Type}')");
        long len = new FileInfo(path).Length;
        if (rec.Size is long s && s != len)
            throw new RepoMetadataException($"{rec.Location}: size mismatch: repomd.xml says {s} bytes, the file has {len}");
        string actual = HashFile(path, rec.ChecksumType);
        if (actual != rec.Checksum)
            throw new RepoMetadataException($"{rec.Location}: checksum mismatch: repomd.xml says {rec.ChecksumType} {rec.Checksum}, the file is {actual}");
    }

    /// <summary>Opens a metadata file for reading, decompressed according to its name.</summary>
    public static Stream OpenDecompressed(string path)
    {
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        try
        {
            return Decompress(fs, path);
        }
        catch
        {
            fs.Dispose();
            throw;
        }
    }

    /// <summary>Wraps <paramref name="s"/> in the decompressor its <paramref name="name"/> calls for.</summary>
    public static Stream Decompress(Stream s, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.EndsWith(".gz", StringComparison.Ordinal))
            return new GZipStream(s, CompressionMode.Decompress);
        if (name.EndsWith(".xz", StringComparison.Ordinal))
            return new XzDecompressStream(s);
        if (name.EndsWith(".zst", StringComparison.Ordinal) || name.EndsWith(".zstd", StringComparison.Ordinal))
            return new ZstdDecompressStream(s);
        if (name.EndsWith(".bz2", StringComparison.Ordinal))
            return new Bzip2DecompressStream(s);
        return s;
    }
}
