// bzip2 decompression through the system libbz2.so.1. Older rpm-md repositories (and old RPM
// payloads) are bzip2-compressed; bytes flow caller -> Bzip2DecompressStream.Read ->
// BZ2_bzDecompress -> caller's buffer. Concatenated streams (as pbzip2 writes) are read one after
// another. The bz_stream state lives in unmanaged memory so libbz2's pointers into it stay valid.
using System.Runtime.InteropServices;

namespace Arbor.Native;

internal static unsafe partial class Bz2Native
{
    private const string Lib = "libbz2.so.1";

    // bz_stream on LP64.
    [StructLayout(LayoutKind.Sequential)]
    internal struct BzStream
    {
        public byte* NextIn;
        public uint AvailIn;
        public uint TotalInLo32;
        public uint TotalInHi32;
        public byte* NextOut;
        public uint AvailOut;
        public uint TotalOutLo32;
        public uint TotalOutHi32;
        public nint State;
        public nint BzAlloc;
        public nint BzFree;
        public nint Opaque;
    }

    internal const int Ok = 0, StreamEnd = 4;

    [LibraryImport(Lib, EntryPoint = "BZ2_bzDecompressInit")]
    internal static partial int DecompressInit(BzStream* strm, int verbosity, int small);

    [LibraryImport(Lib, EntryPoint = "BZ2_bzDecompress")]
    internal static partial int Decompress(BzStream* strm);

    [LibraryImport(Lib, EntryPoint = "BZ2_bzDecompressEnd")]
    internal static partial int DecompressEnd(BzStream* strm);

    internal static string Describe(int ret) => ret switch
    {
        -1 => "sequence error",
        -2 => "parameter error",
        -3 => "out of memory",
        -4 => "data is corrupt",
        -5 => "not in bzip2 format",
        -7 => "unexpected end of input",
        -9 => "library misconfigured",
        _ => $"error {ret}",
    };
}

/// <summary>A read-only stream that decompresses bzip2 data (concatenated streams allowed) from an inner stream.</summary>
public sealed unsafe class Bzip2DecompressStream : ForwardReadStream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly byte[] _inBuf = new byte[64 * 1024];
    private Bz2Native.BzStream* _strm;
    private int _inPos, _inLen;
    private bool _innerEof, _done, _active;
    private long _consumed;

    /// <summary>Wraps <paramref name="inner"/>, which must yield bzip2 data.</summary>
    public Bzip2DecompressStream(Stream inner, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _leaveOpen = leaveOpen;
        _strm = (Bz2Native.BzStream*)NativeMemory.AllocZeroed((nuint)sizeof(Bz2Native.BzStream));
        try
        {
            Start();
        }
        catch
        {
            NativeMemory.Free(_strm);
            _strm = null;
            throw;
        }
    }

    private void Start()
    {
        NativeMemory.Clear(_strm, (nuint)sizeof(Bz2Native.BzStream));
        int ret = Bz2Native.DecompressInit(_strm, 0, 0);
        if (ret != Bz2Native.Ok)
            throw new CompressionException($"bzip2: cannot start decoder: {Bz2Native.Describe(ret)}");
        _active = true;
    }

    private bool Fill()
    {
        if (_inPos < _inLen)
            return true;
        if (_innerEof)
            return false;
        _inLen = _inner.Read(_inBuf, 0, _inBuf.Length);
        _inPos = 0;
        _innerEof = _inLen == 0;
        return !_innerEof;
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
                bool more = Fill();
                if (!_active)
                {
                    // Between concatenated streams: another one starts only if input remains.
                    if (!more)
                    {
                        _done = true;
                        return 0;
                    }
                    Start();
                }
                _strm->NextIn = inp + _inPos;
                _strm->AvailIn = (uint)(_inLen - _inPos);
                _strm->NextOut = outp;
                _strm->AvailOut = (uint)buffer.Length;
                int ret = Bz2Native.Decompress(_strm);
                int used = _inLen - _inPos - (int)_strm->AvailIn;
                _inPos += used;
                _consumed += used;
                int produced = buffer.Length - (int)_strm->AvailOut;
                if (ret == Bz2Native.StreamEnd)
                {
                    Bz2Native.DecompressEnd(_strm);
                    _active = false;
                    if (produced > 0)
                        return produced;
                    continue;
                }
                if (ret != Bz2Native.Ok)
                    throw new CompressionException($"bzip2: {Bz2Native.Describe(ret)} at compressed offset {_consumed}");
                if (produced > 0)
                    return produced;
                if (!more)
                    throw new CompressionException($"bzip2: unexpected end of input at compressed offset {_consumed}");
            }
        }
    }


    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (_strm != null)
        {
            if (_active)
                Bz2Native.DecompressEnd(_strm);
            NativeMemory.Free(_strm);
            _strm = null;
        }
        if (disposing && !_leaveOpen)
            _inner.Dispose();
        base.Dispose(disposing);
    }
}
