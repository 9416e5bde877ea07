// Reading an RPM file: lead (96 bytes) -> signature header (padded to 8) -> main header ->
// compressed payload. Open reads only the headers; OpenPayload streams the payload through a
// digest tap (SHA-256 for PAYLOADDIGEST, MD5 over header+payload for the legacy signature) into
// the decompressor and the cpio reader, so a package is never held in memory. Digest mismatches
// raise RpmDigestException naming the digest and both values.
using System.IO.Compression;
using System.Security.Cryptography;
using Arbor.Native;
using Arbor.Rpm.Header;

namespace Arbor.Rpm.Package;

/// <summary>A digest in a package does not match its contents.</summary>
public sealed class RpmDigestException(string message) : IOException(message);

/// <summary>An open RPM file.</summary>
public sealed class RpmPackage : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private bool _payloadOpened;

    private RpmPackage(Stream stream, bool leaveOpen, Lead lead, RpmHeader sig, RpmHeader header, long payloadOffset)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        Lead = lead;
        Signature = sig;
        Header = header;
        PayloadOffset = payloadOffset;
        Info = new PackageInfo(header);
    }

    /// <summary>The lead.</summary>
    public Lead Lead { get; }
    /// <summary>The signature header.</summary>
    public RpmHeader Signature { get; }
    /// <summary>The main header.</summary>
    public RpmHeader Header { get; }
    /// <summary>The typed view of the main header.</summary>
    public PackageInfo Info { get; }
    /// <summary>File offset where the compressed payload starts.</summary>
    public long PayloadOffset { get; }

    /// <summary>Opens a package file and reads its headers.</summary>
    public static RpmPackage Open(string path)
    {
        // Unbuffered: headers are read into arrays of their exact size, and the payload's decompressors
        // read in large blocks of their own. A buffer per package would be allocated and zeroed for
        // each of the hundreds of packages a query or createrepo reads.
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        try
        {
            return Open(fs, leaveOpen: false);
        }
        catch
        {
            fs.Dispose();
            throw;
        }
    }

    /// <summary>Reads the headers from <paramref name="stream"/>, leaving it at the payload.</summary>
    public static RpmPackage Open(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> leadBytes = stackalloc byte[Lead.Size];
        int got = RpmHeader.ReadFully(stream, leadBytes);
        if (got >= 4 && !leadBytes[..4].SequenceEqual(Lead.Magic))
            throw new RpmFormatException($"lead: bad magic {Convert.ToHexStringLower(leadBytes[..4])} at offset 0 (not an RPM file; expected edabeedb)");
        if (got < Lead.Size)
            throw new RpmFormatException($"lead: truncated at offset {got} (an RPM starts with a {Lead.Size}-byte lead)");
        var lead = Lead.Parse(leadBytes);
        var sig = RpmHeader.Read(stream, "signature header", Lead.Size);
        long offset = Lead.Size + sig.Raw.Length;
        int pad = (int)((8 - (offset % 8)) % 8);
        if (pad > 0)
        {
            Span<byte> padding = stackalloc byte[8];
            if (RpmHeader.ReadFully(stream, padding[..pad]) < pad)
                throw new RpmFormatException($"signature header: truncated in padding at offset {offset}");
            offset += pad;
        }
        var header = RpmHeader.Read(stream, "main header", offset);
        offset += header.Raw.Length;
        return new RpmPackage(stream, leaveOpen, lead, sig, header, offset);
    }

    /// <summary>Checks the header digests in the signature (SHA-256 and SHA-1) against the main header; returns their names.</summary>
    public IReadOnlyList<string> VerifyHeaderDigests()
    {
        var ok = new List<string>();
        var sha256 = Signature.Get(SigTag.Sha256)?.AsString();
        if (sha256 != null)
        {
            Check("header SHA256", sha256, Convert.ToHexStringLower(Digest.Sha256(Header.Raw)));
            ok.Add("sha256");
        }
        var sha1 = Signature.Get(SigTag.Sha1)?.AsString();
        if (sha1 != null)
        {
            Check("header SHA1", sha1, Convert.ToHexStringLower(Digest.Sha1(Header.Raw)));
            ok.Add("sha1");
        }
        return ok;
    }

    private static void Check(string what, string expected, string actual)
    {
        if (!string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
            throw new RpmDigestException($"{what} digest mismatch: package says {expected}, content is {actual}");
    }

    /// <summary>Opens the payload: a cpio reader over the decompressed stream. Call once.</summary>
    public PayloadReader OpenPayload()
    {
        if (_payloadOpened)
            throw new InvalidOperationException("the payload can be read only once");
        _payloadOpened = true;
        var tap = new DigestTap(_stream, Header.Raw);
        Stream decompressed = Info.PayloadCompressor switch
        {
            "gzip" => new GZipStream(tap, CompressionMode.Decompress, leaveOpen: true),
            "xz" or "lzma" => new XzDecompressStream(tap, leaveOpen: true),
            "zstd" => new ZstdDecompressStream(tap, leaveOpen: true),
            var other => throw new RpmFormatException($"main header: PAYLOADCOMPRESSOR (1125) '{other}' is not supported"),
        };
        var files = Info.Files;
        var cpio = new CpioReader(decompressed, fx => fx >= 0 && fx < files.Count
            ? files[fx].Size
            : throw new RpmFormatException($"payload: stripped cpio file index {fx} is outside the file list ({files.Count} files)"));
        return new PayloadReader(this, tap, decompressed, cpio);
    }

    /// <summary>Reads the whole payload and verifies every digest the package carries; returns their names.</summary>
    public IReadOnlyList<string> VerifyAll()
    {
        var ok = VerifyHeaderDigests().ToList();
        using var payload = OpenPayload();
        while (payload.Cpio.Next() != null) { }
        ok.AddRange(payload.Finish());
        return ok;
    }

    internal IReadOnlyList<string> CheckPayloadDigests(DigestTap tap)
    {
        var ok = new List<string>();
        var algo = Header.GetInteger(RpmTag.PayloadDigestAlgo) ?? 8;
        var digest = Header.GetString(RpmTag.PayloadDigest);
        if (digest != null && algo == 8)
        {
            Check("payload SHA256", digest, Convert.ToHexStringLower(tap.Sha256()));
            ok.Add("payload-sha256");
        }
        if (Signature.Get(SigTag.Md5)?.Value is byte[] md5)
        {
            Check("header+payload MD5", Convert.ToHexStringLower(md5), Convert.ToHexStringLower(tap.Md5()));
            ok.Add("md5");
        }
        long? size = Signature.Get(SigTag.LongSize)?.AsIntegers().FirstOrDefault() ?? Signature.Get(SigTag.Size)?.AsIntegers().FirstOrDefault();
        if (size is long s && s != Header.Raw.Length + tap.Length)
            throw new RpmDigestException($"signature SIZE says header+payload is {s} bytes, the file has {Header.Raw.Length + tap.Length}");
        return ok;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_leaveOpen)
            _stream.Dispose();
    }
}

/// <summary>The payload being read: the cpio entries, and a final digest check.</summary>
public sealed class PayloadReader : IDisposable
{
    private readonly RpmPackage _pkg;
    private readonly DigestTap _tap;
    private readonly Stream _decompressed;

    internal PayloadReader(RpmPackage pkg, DigestTap tap, Stream decompressed, CpioReader cpio)
    {
        _pkg = pkg;
        _tap = tap;
        _decompressed = decompressed;
        Cpio = cpio;
    }

    /// <summary>The cpio entries.</summary>
    public CpioReader Cpio { get; }

    /// <summary>Drains the rest of the payload and checks the payload digests; returns their names.</summary>
    public IReadOnlyList<string> Finish()
    {
        var buf = new byte[64 * 1024];
        while (_decompressed.Read(buf) > 0) { }
        _tap.Drain();
        return _pkg.CheckPayloadDigests(_tap);
    }

    /// <inheritdoc/>
    public void Dispose() => _decompressed.Dispose();
}

/// <summary>Passes the compressed payload through while hashing it.</summary>
internal sealed class DigestTap : Stream
{
    private readonly Stream _inner;
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
#pragma warning disable CA5351 // rpm's legacy MD5 over header+payload; verified, never trusted alone
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
#pragma warning restore CA5351

    public DigestTap(Stream inner, byte[] header)
    {
        _inner = inner;
        _md5.AppendData(header);
    }

    public override long Length => _count;
    private long _count;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = _inner.Read(buffer);
        _sha256.AppendData(buffer[..n]);
        _md5.AppendData(buffer[..n]);
        _count += n;
        return n;
    }

    public void Drain()
    {
        var buf = new byte[64 * 1024];
        while (Read(buf) > 0) { }
    }

    public byte[] Sha256() => _sha256.GetCurrentHash();
    public byte[] Md5() => _md5.GetCurrentHash();

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Position { get => _count; set => throw new NotSupportedException("the stream is read-only and not seekable"); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("the stream is read-only and not seekable");
    public override void SetLength(long value) => throw new NotSupportedException("the stream is read-only and not seekable");
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("the stream is read-only and not seekable");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sha256.Dispose();
            _md5.Dispose();
        }
        base.Dispose(disposing);
    }
}
