// Reading an RPM file: lead (96 bytes) -> signature header (padded to 8) -> main header ->
// compressed payload. Open reads only the headers; OpenPayload streams the payload through a
// digest tap (PAYLOADDIGEST in the algorithm PAYLOADDIGESTALGO names, MD5 over header+payload for
// the legacy signature) into the decompressor and the cpio reader, so a package is never held in
// memory. Digest mismatches raise RpmDigestException naming the digest and both values. A decoder
// or cpio error is first blamed on the digests (the rest of the payload is hashed): damage is
// reported as a digest mismatch, and a decoder error in a payload that matches its digest becomes
// an RpmFormatException naming the compressor.
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
        var tap = new DigestTap(_stream, Header.Raw, PayloadDigestAlgorithm(out _));
        var compressor = Info.PayloadCompressor;
        Stream decompressed = compressor switch
        {
            "gzip" => new GZipStream(tap, CompressionMode.Decompress, leaveOpen: true),
            "xz" or "lzma" => new XzDecompressStream(tap, leaveOpen: true),
            "zstd" => new ZstdDecompressStream(tap, leaveOpen: true),
            var other => throw new RpmFormatException($"main header: PAYLOADCOMPRESSOR (1125) '{other}' is not supported"),
        };
        var guarded = new DecoderGuard(decompressed, e =>
        {
            var what = $"payload: {compressor} data is corrupt: {e.Message}";
            BlameDigests(tap, what);
            return new RpmFormatException(what);
        });
        var files = Info.Files;
        var cpio = new CpioReader(guarded, fx => fx >= 0 && fx < files.Count
            ? files[fx].Size
            : throw new RpmFormatException($"payload: stripped cpio file index {fx} is outside the file list ({files.Count} files)"))
        {
            OnFormatError = e => BlameDigests(tap, e.Message),
        };
        return new PayloadReader(this, tap, guarded, cpio);
    }

    /// <summary>The hash PAYLOADDIGESTALGO (5093) names (rpm's PGPHASHALGO numbers, SHA-256 when absent); null when .NET has none.</summary>
    private HashAlgorithmName? PayloadDigestAlgorithm(out string name)
    {
        (HashAlgorithmName? algo, name) = (Header.GetInteger(RpmTag.PayloadDigestAlgo) ?? 8) switch
        {
            1 => (HashAlgorithmName.MD5, "MD5"),
            2 => (HashAlgorithmName.SHA1, "SHA1"),
            8 => (HashAlgorithmName.SHA256, "SHA256"),
            9 => (HashAlgorithmName.SHA384, "SHA384"),
            10 => (HashAlgorithmName.SHA512, "SHA512"),
            var n => ((HashAlgorithmName?)null, $"algorithm {n}"),
        };
        return algo;
    }

    /// <summary>
    /// After reading the payload failed: hashes the rest of it and throws RpmDigestException (naming
    /// <paramref name="failure"/> too) when a digest does not match, so damage is named as such.
    /// </summary>
    internal void BlameDigests(DigestTap tap, string failure)
    {
        try
        {
            tap.Drain();
            CheckPayloadDigests(tap);
        }
        catch (RpmDigestException e)
        {
            throw new RpmDigestException($"{e.Message} ({failure})");
        }
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
        var digest = Header.GetString(RpmTag.PayloadDigest);
        if (digest != null && PayloadDigestAlgorithm(out var name) != null)
        {
            Check("payload " + name, digest, Convert.ToHexStringLower(tap.PayloadHash()));
            ok.Add("payload-" + name.ToLowerInvariant());
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
    private readonly IncrementalHash? _payload;
#pragma warning disable CA5351 // rpm's legacy MD5 over header+payload; verified, never trusted alone
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
#pragma warning restore CA5351

    public DigestTap(Stream inner, byte[] header, HashAlgorithmName? payloadAlgorithm)
    {
        _inner = inner;
        _md5.AppendData(header);
        if (payloadAlgorithm is { } a)
            _payload = IncrementalHash.CreateHash(a);
    }

    public override long Length => _count;
    private long _count;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = _inner.Read(buffer);
        _payload?.AppendData(buffer[..n]);
        _md5.AppendData(buffer[..n]);
        _count += n;
        return n;
    }

    public void Drain()
    {
        var buf = new byte[64 * 1024];
        while (Read(buf) > 0) { }
    }

    public byte[] PayloadHash() => _payload!.GetCurrentHash();
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
            _payload?.Dispose();
            _md5.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>Turns decoder errors (gzip, xz, zstd) of the decompressed payload into the exception <c>blame</c> makes.</summary>
internal sealed class DecoderGuard(Stream inner, Func<Exception, Exception> blame) : Stream
{
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return inner.Read(buffer);
        }
        catch (Exception e) when (e is InvalidDataException or CompressionException)
        {
            throw blame(e);
        }
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException("the stream is read-only and not seekable");
    public override long Position { get => throw new NotSupportedException("the stream is read-only and not seekable"); set => throw new NotSupportedException("the stream is read-only and not seekable"); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("the stream is read-only and not seekable");
    public override void SetLength(long value) => throw new NotSupportedException("the stream is read-only and not seekable");
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("the stream is read-only and not seekable");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }
}
