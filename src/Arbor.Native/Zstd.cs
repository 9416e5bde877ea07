// zstd streams through the system libzstd.so.1. RPM payloads (rpm 4.14+ default on Fedora) and
// rpm-md metadata may be zstd-compressed. Reading: inner stream -> ZSTD_decompressStream ->
// caller's span. Writing: caller -> ZSTD_compressStream2 -> inner stream; Dispose ends the frame.
using System.Runtime.InteropServices;

namespace Arbor.Native;

internal static unsafe partial class ZstdNative
{
    private const string Lib = "libzstd.so.1";

    [StructLayout(LayoutKind.Sequential)]
    internal struct InBuffer
    {
        public byte* Src;
        public nuint Size;
        public nuint Pos;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct OutBuffer
    {
        public byte* Dst;
        public nuint Size;
        public nuint Pos;
    }

    internal const int EndContinue = 0, EndFlush = 1, EndEnd = 2;
    internal const int ParamCompressionLevel = 100, ParamChecksumFlag = 201;

    [LibraryImport(Lib, EntryPoint = "ZSTD_createDStream")]
    internal static partial nint CreateDStream();

    [LibraryImport(Lib, EntryPoint = "ZSTD_freeDStream")]
    internal static partial nuint FreeDStream(nint zds);

    [LibraryImport(Lib, EntryPoint = "ZSTD_decompressStream")]
    internal static partial nuint DecompressStream(nint zds, OutBuffer* output, InBuffer* input);

    [LibraryImport(Lib, EntryPoint = "ZSTD_createCCtx")]
    internal static partial nint CreateCCtx();

    [LibraryImport(Lib, EntryPoint = "ZSTD_freeCCtx")]
    internal static partial nuint FreeCCtx(nint cctx);

    [LibraryImport(Lib, EntryPoint = "ZSTD_CCtx_setParameter")]
    internal static partial nuint SetParameter(nint cctx, int param, int value);

    [LibraryImport(Lib, EntryPoint = "ZSTD_compressStream2")]
    internal static partial nuint CompressStream2(nint cctx, OutBuffer* output, InBuffer* input, int endOp);

    [LibraryImport(Lib, EntryPoint = "ZSTD_isError")]
    internal static partial uint IsError(nuint code);

    [LibraryImport(Lib, EntryPoint = "ZSTD_getErrorName")]
    internal static partial nint GetErrorName(nuint code);

    [LibraryImport(Lib, EntryPoint = "ZSTD_DStreamInSize")]
    internal static partial nuint DStreamInSize();

    internal static string ErrorName(nuint code) => Marshal.PtrToStringUTF8(GetErrorName(code)) ?? "unknown error";
}

/// <summary>A read-only stream that decompresses zstd frames (one or more) from an inner stream.</summary>
public sealed unsafe class ZstdDecompressStream : ForwardReadStream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly byte[] _inBuf;
    private nint _ds;
    private int _inPos, _inLen;
    private bool _innerEof;
    private nuint _lastHint = 1;
    private long _consumed;

    /// <summary>Wraps <paramref name="inner"/>, which must yield zstd data.</summary>
    public ZstdDecompressStream(Stream inner, bool leaveOpen = false)
    {
        _inner = inner;
        _leaveOpen = leaveOpen;
        _ds = ZstdNative.CreateDStream();
        if (_ds == 0)
            throw new CompressionException("zstd: cannot create decompression context");
        _inBuf = new byte[(int)Math.Max(ZstdNative.DStreamInSize(), 64 * 1024)];
    }


    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_ds == 0, this);
        if (buffer.IsEmpty)
            return 0;
        fixed (byte* outp = buffer)
        fixed (byte* inp = _inBuf)
        {
            while (true)
            {
                if (_inPos == _inLen && !_innerEof)
                {
                    _inLen = _inner.Read(_inBuf, 0, _inBuf.Length);
                    _inPos = 0;
                    _innerEof = _inLen == 0;
                }
                if (_inPos == _inLen && _innerEof)
                {
                    // No more input: either the last frame ended cleanly or the data was cut short.
                    var o0 = new ZstdNative.OutBuffer { Dst = outp, Size = (nuint)buffer.Length };
                    var i0 = new ZstdNative.InBuffer { Src = inp, Size = 0 };
                    nuint r0 = ZstdNative.DecompressStream(_ds, &o0, &i0);
                    if (ZstdNative.IsError(r0) != 0)
                        throw new CompressionException($"zstd: {ZstdNative.ErrorName(r0)} at compressed offset {_consumed}");
                    if (o0.Pos > 0)
                        return (int)o0.Pos;
                    if (_lastHint != 0 || _consumed == 0)
                        throw new CompressionException($"zstd: unexpected end of input at compressed offset {_consumed}");
                    return 0;
                }
                var ob = new ZstdNative.OutBuffer { Dst = outp, Size = (nuint)buffer.Length };
                var ib = new ZstdNative.InBuffer { Src = inp + _inPos, Size = (nuint)(_inLen - _inPos) };
                nuint r = ZstdNative.DecompressStream(_ds, &ob, &ib);
                if (ZstdNative.IsError(r) != 0)
                    throw new CompressionException($"zstd: {ZstdNative.ErrorName(r)} at compressed offset {_consumed}");
                _inPos += (int)ib.Pos;
                _consumed += (long)ib.Pos;
                _lastHint = r;
                if (ob.Pos > 0)
                    return (int)ob.Pos;
            }
        }
    }


    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (_ds != 0)
        {
            ZstdNative.FreeDStream(_ds);
            _ds = 0;
        }
        if (disposing && !_leaveOpen)
            _inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>A write-only stream that zstd-compresses into an inner stream; dispose to end the frame.</summary>
public sealed unsafe class ZstdCompressStream : ForwardWriteStream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly byte[] _outBuf = new byte[128 * 1024];
    private nint _cctx;

    /// <summary>Compresses into <paramref name="inner"/> at <paramref name="level"/> (1–22).</summary>
    public ZstdCompressStream(Stream inner, int level = 3, bool leaveOpen = false)
    {
        if (level is < 1 or > 22)
            throw new ArgumentOutOfRangeException(nameof(level), level, "zstd level must be 1..22");
        _inner = inner;
        _leaveOpen = leaveOpen;
        _cctx = ZstdNative.CreateCCtx();
        if (_cctx == 0)
            throw new CompressionException("zstd: cannot create compression context");
        nuint r = ZstdNative.SetParameter(_cctx, ZstdNative.ParamCompressionLevel, level);
        if (ZstdNative.IsError(r) != 0)
            throw new CompressionException($"zstd: level {level}: {ZstdNative.ErrorName(r)}");
        // A content checksum lets readers detect corruption that still decodes.
        ZstdNative.SetParameter(_cctx, ZstdNative.ParamChecksumFlag, 1);
    }


    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_cctx == 0, this);
        Pump(buffer, ZstdNative.EndContinue);
    }

    private void Pump(ReadOnlySpan<byte> input, int op)
    {
        fixed (byte* inp = input)
        fixed (byte* outp = _outBuf)
        {
            var ib = new ZstdNative.InBuffer { Src = inp, Size = (nuint)input.Length };
            while (true)
            {
                var ob = new ZstdNative.OutBuffer { Dst = outp, Size = (nuint)_outBuf.Length };
                nuint r = ZstdNative.CompressStream2(_cctx, &ob, &ib, op);
                if (ZstdNative.IsError(r) != 0)
                    throw new CompressionException($"zstd: {ZstdNative.ErrorName(r)} while compressing");
                if (ob.Pos > 0)
                    _inner.Write(_outBuf, 0, (int)ob.Pos);
                bool finished = op == ZstdNative.EndContinue ? ib.Pos == ib.Size : r == 0;
                if (finished)
                    return;
            }
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (_cctx != 0)
        {
            try
            {
                if (disposing)
                {
                    Pump([], ZstdNative.EndEnd);
                    _inner.Flush();
                }
            }
            finally
            {
                ZstdNative.FreeCCtx(_cctx);
                _cctx = 0;
            }
        }
        if (disposing && !_leaveOpen)
            _inner.Dispose();
        base.Dispose(disposing);
    }

    /// <inheritdoc/>
    public override void Flush() => _inner.Flush();
}
