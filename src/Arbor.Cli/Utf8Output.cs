// Output that is already UTF-8 (JSON from Utf8JsonWriter, headers read as UTF-8) goes to standard
// output as bytes in large writes: through Console.Out it would be decoded to UTF-16, encoded
// back, and flushed on every call. Any other writer (the tests' StringWriter) gets the text.
using System.Buffers;
using System.Text;

namespace Arbor.Cli;

/// <summary>A buffered UTF-8 sink over a <see cref="TextWriter"/>.</summary>
internal sealed class Utf8Output : IDisposable
{
    private readonly Stream? _stdout;
    private readonly TextWriter _writer;

    private Utf8Output(TextWriter writer, Stream? stdout)
    {
        _writer = writer;
        _stdout = stdout;
    }

    /// <summary>Opens a sink writing to <paramref name="writer"/>: straight to file descriptor 1 when it is the console's.</summary>
    public static Utf8Output Open(TextWriter writer)
    {
        if (!ReferenceEquals(writer, Console.Out))
            return new Utf8Output(writer, null);
        writer.Flush();
        return new Utf8Output(writer, new BufferedStream(Console.OpenStandardOutput(), 64 * 1024));
    }

    /// <summary>Writes UTF-8 bytes (whole characters).</summary>
    public void Write(ReadOnlySpan<byte> utf8)
    {
        if (_stdout is not null)
            _stdout.Write(utf8);
        else
            _writer.Write(Encoding.UTF8.GetString(utf8));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_stdout is null)
            return;
        _stdout.Flush();
        _stdout.Dispose();
    }
}

/// <summary>UTF-8 text in the first <paramref name="Length"/> bytes of a buffer rented from <see cref="ArrayPool{T}.Shared"/>.</summary>
internal readonly record struct PooledText(byte[] Bytes, int Length)
{
    /// <summary>The text.</summary>
    public ReadOnlySpan<byte> Span => Bytes.AsSpan(0, Length);

    /// <summary>Copies UTF-8 bytes into a rented buffer.</summary>
    public static PooledText From(ReadOnlySpan<byte> utf8)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(utf8.Length);
        utf8.CopyTo(bytes);
        return new PooledText(bytes, utf8.Length);
    }

    /// <summary>Encodes a string into a rented buffer.</summary>
    public static PooledText From(string text)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        return new PooledText(bytes, Encoding.UTF8.GetBytes(text, bytes));
    }

    /// <summary>Gives the buffer back to the pool.</summary>
    public void Return() => ArrayPool<byte>.Shared.Return(Bytes);
}
