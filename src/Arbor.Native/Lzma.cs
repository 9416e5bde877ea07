// xz (LZMA2) streams through the system liblzma.so.5. RPM payloads and rpm-md metadata arrive
// xz-compressed; bytes flow caller -> XzDecompressStream.Read -> lzma_code -> caller's buffer,
// and for writing caller -> XzCompressStream.Write -> lzma_code -> the wrapped stream. The
// lzma_stream state lives in unmanaged memory so liblzma's pointers into it stay valid.
using System.Runtime.InteropServices;

namespace Arbor.Native;

internal static unsafe partial class LzmaNative
{
    private const string Lib = "liblzma.so.5";

    // lzma_stream on LP64: 6 fields of 8 bytes, allocator, internal, 4 reserved pointers,
    // 2 uint64, 2 size_t, 2 enums. Zero-filled is LZMA_STREAM_INIT.
    [StructLayout(LayoutKind.Sequential)]
    internal struct LzmaStream
    {
        public byte* NextIn;
        public nuint AvailIn;
        public ulong TotalIn;
        public byte* NextOut;
        public nuint AvailOut;
        public ulong TotalOut;
        public nint Allocator;
        public nint Internal;
        public nint Reserved1, Reserved2, Reserved3, Reserved4;
        public ulong ReservedInt1, ReservedInt2;
        public nuint ReservedInt3, ReservedInt4;
        public int ReservedEnum1, ReservedEnum2;
    }

    internal const int Ok = 0, StreamEnd = 1, BufError = 10;
    internal const int Run = 0, Finish = 3;
    internal const uint Concatenated = 0x08;
    internal const int CheckCrc64 = 4;

    [LibraryImport(Lib, EntryPoint = "lzma_stream_decoder")]
    internal static partial int StreamDecoder(LzmaStream* strm, ulong memlimit, uint flags);

    [LibraryImport(Lib, EntryPoint = "lzma_easy_encoder")]
    internal static partial int EasyEncoder(LzmaStream* strm, uint preset, int check);

    [LibraryImport(Lib, EntryPoint = "lzma_code")]
    internal static partial int Code(LzmaStream* strm, int action);

    [LibraryImport(Lib, EntryPoint = "lzma_end")]
    internal static partial void End(LzmaStream* strm);

    internal static string Describe(int ret) => ret switch
    {
        2 => "no integrity check",
        3 => "unsupported integrity check",
        4 => "integrity check available",
        5 => "out of memory",
        6 => "memory limit reached",
        7 => "not in .xz format",
        8 => "unsupported options",
        9 => "data is corrupt",
        10 => "unexpected end of input",
        11 => "programming error",
        _ => $"error {ret}",
    };
}

/// <summary>Raised when a compressed stream is corrupt, truncated or cannot be processed.</summary>
public sealed class CompressionException(string message) : IOException(message);

/// <summary>A read-only stream that decompresses xz data (concatenated streams allowed) from an inner stream.</summary>
public sealed unsafe class XzDecompressStream : ForwardReadStream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly byte[] _inBuf = new byte[64 * 1024];
    private LzmaNative.LzmaStream* _strm;
    private int _inPos, _inLen;
    private bool _innerEof, _done;

    /// <summary>Wraps <paramref name="inner"/>, which must yield xz data.</summary>
    public XzDecompressStream(Stream inner, bool leaveOpen = false)
    {
        _inner = inner;
        _leaveOpen = leaveOpen;
        _strm = (LzmaNative.LzmaStream*)NativeMemory.AllocZeroed((nuint)sizeof(LzmaNative.LzmaStream));
        int ret = LzmaNative.StreamDecoder(_strm, ulong.MaxValue, LzmaNative.Concatenated);
        if (ret != LzmaNative.Ok)
        {
            NativeMemory.Free(_strm);
            _strm = null;
            throw new CompressionException($"xz: cannot start decoder: {LzmaNative.Describe(ret)}");
        }
    }


    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_strm == null, this);
        if (_done || buffer.IsEmpty)
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
                    if (_inLen == 0)
                        _innerEof = true;
                }
                _strm->NextIn = inp + _inPos;
                _strm->AvailIn = (nuint)(_inLen - _inPos);
                _strm->NextOut = outp;
                _strm->AvailOut = (nuint)buffer.Length;
                int ret = LzmaNative.Code(_strm, _innerEof ? LzmaNative.Finish : LzmaNative.Run);
                _inPos = _inLen - (int)_strm->AvailIn;
                int produced = buffer.Length - (int)_strm->AvailOut;
                if (ret == LzmaNative.StreamEnd)
                {
                    _done = true;
                    return produced;
                }
                if (produced > 0 && ret is LzmaNative.Ok or LzmaNative.BufError)
                    return produced;
                if (ret == LzmaNative.BufError && _innerEof)
                    throw new CompressionException($"xz: unexpected end of input at compressed offset {_strm->TotalIn}");
                if (ret is not LzmaNative.Ok and not LzmaNative.BufError)
                    throw new CompressionException($"xz: {LzmaNative.Describe(ret)} at compressed offset {_strm->TotalIn}");
            }
        }
    }


    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (_strm != null)
        {
            LzmaNative.End(_strm);
            NativeMemory.Free(_strm);
            _strm = null;
        }
        if (disposing && !_leaveOpen)
            _inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>A write-only stream that xz-compresses what is written into an inner stream; dispose to finish.</summary>
public sealed unsafe class XzCompressStream : ForwardWriteStream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly byte[] _outBuf = new byte[64 * 1024];
    private LzmaNative.LzmaStream* _strm;

    /// <summary>Compresses into <paramref name="inner"/> at <paramref name="preset"/> (0–9).</summary>
    public XzCompressStream(Stream inner, int preset = 6, bool leaveOpen = false)
    {
        if (preset is < 0 or > 9)
            throw new ArgumentOutOfRangeException(nameof(preset), preset, "xz preset must be 0..9");
        _inner = inner;
        _leaveOpen = leaveOpen;
        _strm = (LzmaNative.LzmaStream*)NativeMemory.AllocZeroed((nuint)sizeof(LzmaNative.LzmaStream));
        int ret = LzmaNative.EasyEncoder(_strm, (uint)preset, LzmaNative.CheckCrc64);
        if (ret != LzmaNative.Ok)
        {
            NativeMemory.Free(_strm);
            _strm = null;
            throw new CompressionException($"xz: cannot start encoder: {LzmaNative.Describe(ret)}");
        }
    }


    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_strm == null, this);
        Pump(buffer, LzmaNative.Run);
    }

    private void Pump(ReadOnlySpan<byte> input, int action)
    {
        fixed (byte* inp = input)
        fixed (byte* outp = _outBuf)
        {
            _strm->NextIn = inp;
            _strm->AvailIn = (nuint)input.Length;
            while (true)
            {
                _strm->NextOut = outp;
                _strm->AvailOut = (nuint)_outBuf.Length;
                int ret = LzmaNative.Code(_strm, action);
                int produced = _outBuf.Length - (int)_strm->AvailOut;
                if (produced > 0)
                    _inner.Write(_outBuf, 0, produced);
                if (ret == LzmaNative.StreamEnd)
                    return;
                if (ret != LzmaNative.Ok)
                    throw new CompressionException($"xz: {LzmaNative.Describe(ret)} while compressing");
                if (action == LzmaNative.Run && _strm->AvailIn == 0 && _strm->AvailOut != 0)
                    return;
            }
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (_strm != null)
        {
            try
            {
                if (disposing)
                {
                    Pump([], LzmaNative.Finish);
                    _inner.Flush();
                }
            }
            finally
            {
                LzmaNative.End(_strm);
                NativeMemory.Free(_strm);
                _strm = null;
            }
        }
        if (disposing && !_leaveOpen)
            _inner.Dispose();
        base.Dispose(disposing);
    }

    /// <inheritdoc/>
    public override void Flush() => _inner.Flush();
}
