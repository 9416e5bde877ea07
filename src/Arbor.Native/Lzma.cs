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

    // lzma_mt (xz 5.4, LP64): flags, threads, block_size, timeout, preset, filters, check, three
    // reserved enums, four reserved uint32, memlimit_threading, memlimit_stop, two reserved
    // uint64, four reserved pointers. Zero-filled is a valid start.
    [StructLayout(LayoutKind.Sequential)]
    internal struct LzmaMt
    {
        public uint Flags;
        public uint Threads;
        public ulong BlockSize;
        public uint Timeout;
        public uint Preset;
        public LzmaFilter* Filters;
        public int Check;
        public int ReservedEnum1, ReservedEnum2, ReservedEnum3;
        public uint ReservedInt1, ReservedInt2, ReservedInt3, ReservedInt4;
        public ulong MemlimitThreading;
        public ulong MemlimitStop;
        public ulong ReservedInt7, ReservedInt8;
        public nint ReservedPtr1, ReservedPtr2, ReservedPtr3, ReservedPtr4;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct LzmaFilter
    {
        public ulong Id;
        public void* Options;
    }

    internal const ulong FilterX86 = 0x04, FilterLzma2 = 0x21, VliUnknown = ulong.MaxValue;

    // lzma_options_lzma is 112 bytes on LP64; lzma_lzma_preset fills it.
    internal const int LzmaOptionsSize = 256;

    [LibraryImport(Lib, EntryPoint = "lzma_stream_decoder_mt")]
    internal static partial int StreamDecoderMt(LzmaStream* strm, LzmaMt* options);

    [LibraryImport(Lib, EntryPoint = "lzma_stream_encoder_mt")]
    internal static partial int StreamEncoderMt(LzmaStream* strm, LzmaMt* options);

    [LibraryImport(Lib, EntryPoint = "lzma_lzma_preset")]
    internal static partial byte LzmaPreset(void* options, uint preset);

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
    /// <param name="inner">The compressed data.</param>
    /// <param name="leaveOpen">Leave <paramref name="inner"/> open on dispose.</param>
    /// <param name="threads">Above 1: decode blocks that record their sizes on up to this many threads
    /// (liblzma's multi-threaded decoder; single-block streams decode as usual).</param>
    public XzDecompressStream(Stream inner, bool leaveOpen = false, int threads = 1)
    {
        _inner = inner;
        _leaveOpen = leaveOpen;
        _strm = (LzmaNative.LzmaStream*)NativeMemory.AllocZeroed((nuint)sizeof(LzmaNative.LzmaStream));
        int ret;
        if (threads > 1)
        {
            var mt = new LzmaNative.LzmaMt
            {
                Flags = LzmaNative.Concatenated,
                Threads = (uint)threads,
                MemlimitThreading = 1UL << 30,
                MemlimitStop = ulong.MaxValue,
            };
            ret = LzmaNative.StreamDecoderMt(_strm, &mt);
        }
        else
            ret = LzmaNative.StreamDecoder(_strm, ulong.MaxValue, LzmaNative.Concatenated);
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
        : this(inner, new XzOptions { Preset = preset }, leaveOpen)
    {
    }

    /// <summary>Compresses into <paramref name="inner"/> with <paramref name="options"/>.</summary>
    public XzCompressStream(Stream inner, XzOptions options, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Preset is < 0 or > 9)
            throw new ArgumentOutOfRangeException(nameof(options), options.Preset, "xz preset must be 0..9");
        _inner = inner;
        _leaveOpen = leaveOpen;
        _strm = (LzmaNative.LzmaStream*)NativeMemory.AllocZeroed((nuint)sizeof(LzmaNative.LzmaStream));
        int ret = options.X86 || options.BlockSize > 0 ? StartMultiBlock(options) : LzmaNative.EasyEncoder(_strm, (uint)options.Preset, LzmaNative.CheckCrc64);
        if (ret != LzmaNative.Ok)
        {
            NativeMemory.Free(_strm);
            _strm = null;
            throw new CompressionException($"xz: cannot start encoder: {LzmaNative.Describe(ret)}");
        }
    }


    // The multi-threaded encoder is the one that takes a filter chain and a block size, and it
    // records each block's sizes in its header, which is what lets a decoder split the work.
    private int StartMultiBlock(XzOptions options)
    {
        byte* lzma = stackalloc byte[LzmaNative.LzmaOptionsSize];
        new Span<byte>(lzma, LzmaNative.LzmaOptionsSize).Clear();
        if (LzmaNative.LzmaPreset(lzma, (uint)options.Preset) != 0)
            throw new CompressionException($"xz: preset {options.Preset} is not supported");
        var filters = stackalloc LzmaNative.LzmaFilter[3];
        int n = 0;
        if (options.X86)
            filters[n++] = new LzmaNative.LzmaFilter { Id = LzmaNative.FilterX86 };
        filters[n++] = new LzmaNative.LzmaFilter { Id = LzmaNative.FilterLzma2, Options = lzma };
        filters[n] = new LzmaNative.LzmaFilter { Id = LzmaNative.VliUnknown };
        var mt = new LzmaNative.LzmaMt
        {
            Threads = (uint)Math.Max(1, options.Threads),
            BlockSize = options.BlockSize,
            Filters = filters,
            Check = LzmaNative.CheckCrc64,
        };
        return LzmaNative.StreamEncoderMt(_strm, &mt);
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

/// <summary>How <see cref="XzCompressStream"/> compresses.</summary>
public sealed record XzOptions
{
    /// <summary>The preset, 0–9.</summary>
    public int Preset { get; init; } = 6;

    /// <summary>Put xz's x86 branch filter before LZMA2: smaller output for x86 machine code, read by every xz decoder.</summary>
    public bool X86 { get; init; }

    /// <summary>Above 0: start a new block every this many input bytes, with its sizes in its header, so decoders can work on blocks in parallel.</summary>
    public ulong BlockSize { get; init; }

    /// <summary>Encoder threads (with <see cref="X86"/> or <see cref="BlockSize"/>).</summary>
    public int Threads { get; init; } = 1;
}
