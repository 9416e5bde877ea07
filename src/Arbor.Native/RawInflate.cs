// Whole-buffer raw-deflate decompression, for archive objects whose uncompressed size is known
// before they are inflated (the .filez header says it). libdeflate decodes a whole buffer about
// twice as fast as a streaming zlib, and a pull inflates every object it fetches; so when the
// system has libdeflate.so.0 it is used (one decompressor per thread, kept for the thread's
// life), and otherwise the runtime's zlib through DeflateStream. Both accept exactly the same
// inputs: a raw deflate stream that decodes to exactly the destination's length.
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Arbor.Native;

/// <summary>Decompresses raw deflate data held in memory into a buffer of the known size.</summary>
public static unsafe class RawInflate
{
    private const int Success = 0, BadData = 1, ShortOutput = 2, InsufficientSpace = 3;

    private static readonly delegate* unmanaged<nint> s_alloc;
    private static readonly delegate* unmanaged<nint, byte*, nuint, byte*, nuint, nuint*, int> s_decompress;

    [ThreadStatic]
    private static nint t_decompressor;

#pragma warning disable CA1810 // the library is probed once; the fields must be set together
    static RawInflate()
    {
        if (!NativeLibrary.TryLoad("libdeflate.so.0", out var lib)
            || !NativeLibrary.TryGetExport(lib, "libdeflate_alloc_decompressor", out var alloc)
            || !NativeLibrary.TryGetExport(lib, "libdeflate_deflate_decompress", out var decompress))
            return;
        s_alloc = (delegate* unmanaged<nint>)alloc;
        s_decompress = (delegate* unmanaged<nint, byte*, nuint, byte*, nuint, nuint*, int>)decompress;
    }
#pragma warning restore CA1810

    /// <summary>True when libdeflate does the work (else the runtime's zlib).</summary>
    public static bool UsesLibdeflate => s_decompress != null;

    /// <summary>Decompresses <paramref name="source"/> (raw deflate, no zlib or gzip wrapper) into exactly <paramref name="destination"/>.</summary>
    /// <exception cref="InvalidDataException">The data is corrupt or does not decode to exactly <paramref name="destination"/>.Length bytes.</exception>
    public static void Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        // ostree writes no deflate data at all for an empty file.
        if (destination.IsEmpty)
            return;
        if (s_decompress == null)
        {
            DecompressWithZlib(source, destination);
            return;
        }
        var d = t_decompressor;
        if (d == 0)
        {
            d = s_alloc();
            if (d == 0)
                throw new OutOfMemoryException("libdeflate_alloc_decompressor failed");
            t_decompressor = d;
        }
        int result;
        fixed (byte* src = source)
        fixed (byte* dst = destination)
            result = s_decompress(d, src, (nuint)source.Length, dst, (nuint)destination.Length, null);
        if (result != Success)
        {
            throw new InvalidDataException(result switch
            {
                BadData => "the compressed data is corrupt",
                ShortOutput => $"the compressed data ends before {destination.Length} bytes",
                InsufficientSpace => $"the compressed data holds more than {destination.Length} bytes",
                _ => $"libdeflate error {result}",
            });
        }
    }

    internal static void DecompressWithZlib(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.IsEmpty)
            return;
        fixed (byte* src = source)
        {
            using var input = new UnmanagedMemoryStream(src, source.Length);
            using var z = new DeflateStream(input, CompressionMode.Decompress);
            try
            {
                z.ReadExactly(destination);
            }
            catch (EndOfStreamException)
            {
                throw new InvalidDataException($"the compressed data ends before {destination.Length} bytes");
            }
            Span<byte> probe = stackalloc byte[1];
            if (z.Read(probe) != 0)
                throw new InvalidDataException($"the compressed data holds more than {destination.Length} bytes");
        }
    }
}
