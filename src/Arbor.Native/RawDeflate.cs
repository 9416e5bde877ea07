// Raw deflate through the system zlib (libz.so.1), the counterpart of RawInflate. The runtime's
// DeflateStream is zlib-ng, which compresses the same input to different bytes; where Arbor must
// reproduce what ostree computes from its own compressed output — the archived sizes of
// `commit --generate-sizes` — it needs the bytes GLib's GZlibCompressor makes: deflateInit2 with
// the level, Z_DEFLATED, 15-bit window without header (-15), memLevel 8, default strategy, fed
// with Z_NO_FLUSH and ended with Z_FINISH. Data flows: caller's bytes → deflate → a sink (an
// output stream, or nothing when only the length is wanted).
using System.Runtime.InteropServices;

namespace Arbor.Native;

internal static unsafe partial class ZlibNative
{
    private const string Lib = "libz.so.1";

    internal const int NoFlush = 0, Finish = 4;
    internal const int Ok = 0, StreamEnd = 1, BufError = -5;

    // z_stream as zlib declares it on LP64 Linux.
    [StructLayout(LayoutKind.Sequential)]
    internal struct ZStream
    {
        public byte* NextIn;
        public uint AvailIn;
        public nuint TotalIn;
        public byte* NextOut;
        public uint AvailOut;
        public nuint TotalOut;
        public nint Msg;
        public nint State;
        public nint ZAlloc;
        public nint ZFree;
        public nint Opaque;
        public int DataType;
        public nuint Adler;
        public nuint Reserved;
    }

    [LibraryImport(Lib, EntryPoint = "zlibVersion")]
    internal static partial nint Version();

    [LibraryImport(Lib, EntryPoint = "deflateInit2_")]
    internal static partial int DeflateInit2(ZStream* strm, int level, int method, int windowBits, int memLevel, int strategy, nint version, int streamSize);

    [LibraryImport(Lib, EntryPoint = "deflate")]
    internal static partial int Deflate(ZStream* strm, int flush);

    [LibraryImport(Lib, EntryPoint = "deflateEnd")]
    internal static partial int DeflateEnd(ZStream* strm);
}

/// <summary>Raw deflate (no zlib or gzip wrapper) with the system zlib, byte for byte what GLib's GZlibCompressor writes.</summary>
public static unsafe class RawDeflate
{
    private const int ChunkSize = 64 * 1024;

    /// <summary>Compresses <paramref name="source"/> whole.</summary>
    /// <param name="source">The data.</param>
    /// <param name="level">zlib level, 0–9.</param>
    public static byte[] Compress(ReadOnlySpan<byte> source, int level)
    {
        using var ms = new MemoryStream();
        using (var d = new Deflater(level, ms))
            d.Write(source, final: true);
        return ms.ToArray();
    }

    /// <summary>The length of the raw deflate of everything <paramref name="source"/> yields, without keeping the output.</summary>
    /// <param name="source">Read to its end.</param>
    /// <param name="level">zlib level, 0–9.</param>
    public static long CompressedLength(Stream source, int level)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var d = new Deflater(level, null);
        var buf = new byte[ChunkSize];
        int n;
        while ((n = source.Read(buf)) > 0)
            d.Write(buf.AsSpan(0, n), final: false);
        d.Write([], final: true);
        return d.Produced;
    }

    private sealed class Deflater : IDisposable
    {
        private readonly Stream? _sink;
        private readonly byte[] _out = new byte[ChunkSize];
        private ZlibNative.ZStream* _z;

        public long Produced { get; private set; }

        public Deflater(int level, Stream? sink)
        {
            if (level is < 0 or > 9)
                throw new ArgumentOutOfRangeException(nameof(level), level, "zlib levels are 0 to 9");
            _sink = sink;
            _z = (ZlibNative.ZStream*)NativeMemory.AllocZeroed((nuint)sizeof(ZlibNative.ZStream));
            int rc = ZlibNative.DeflateInit2(_z, level, 8 /* Z_DEFLATED */, -15, 8, 0, ZlibNative.Version(), sizeof(ZlibNative.ZStream));
            if (rc != ZlibNative.Ok)
            {
                NativeMemory.Free(_z);
                _z = null;
                throw new InvalidOperationException($"deflateInit2 failed with zlib error {rc}");
            }
        }

        public void Write(ReadOnlySpan<byte> data, bool final)
        {
            fixed (byte* input = data)
            fixed (byte* output = _out)
            {
                _z->NextIn = input;
                _z->AvailIn = (uint)data.Length;
                while (true)
                {
                    _z->NextOut = output;
                    _z->AvailOut = (uint)_out.Length;
                    int rc = ZlibNative.Deflate(_z, final ? ZlibNative.Finish : ZlibNative.NoFlush);
                    if (rc is not (ZlibNative.Ok or ZlibNative.StreamEnd or ZlibNative.BufError))
                        throw new InvalidOperationException($"deflate failed with zlib error {rc}");
                    int produced = _out.Length - (int)_z->AvailOut;
                    Produced += produced;
                    _sink?.Write(_out, 0, produced);
                    if (rc == ZlibNative.StreamEnd)
                        return;
                    if (!final && _z->AvailIn == 0 && _z->AvailOut != 0)
                        return;
                }
            }
        }

        public void Dispose()
        {
            if (_z is null)
                return;
            _ = ZlibNative.DeflateEnd(_z);
            NativeMemory.Free(_z);
            _z = null;
        }
    }
}
