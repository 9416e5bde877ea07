// The Stream plumbing shared by the native compression wrappers: each is a one-way, forward-only
// stream, so everything but Read (decompressors) or Write (compressors) is refused here once.
namespace Arbor.Native;

/// <summary>A read-only, non-seekable stream; subclasses implement <see cref="Read(Span{byte})"/>.</summary>
public abstract class ForwardReadStream : Stream
{
    private const string Refused = "the stream is read-only and not seekable";

    /// <inheritdoc/>
    public override bool CanRead => true;
    /// <inheritdoc/>
    public override bool CanSeek => false;
    /// <inheritdoc/>
    public override bool CanWrite => false;
    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException(Refused);
    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(Refused); set => throw new NotSupportedException(Refused); }
    /// <inheritdoc/>
    public override void Flush() { }
    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException(Refused);
    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException(Refused);
    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException(Refused);
    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    /// <inheritdoc/>
    public abstract override int Read(Span<byte> buffer);
}

/// <summary>A write-only, non-seekable stream; subclasses implement <see cref="Write(ReadOnlySpan{byte})"/> and Flush.</summary>
public abstract class ForwardWriteStream : Stream
{
    private const string Refused = "the stream is write-only and not seekable";

    /// <inheritdoc/>
    public override bool CanRead => false;
    /// <inheritdoc/>
    public override bool CanSeek => false;
    /// <inheritdoc/>
    public override bool CanWrite => true;
    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException(Refused);
    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(Refused); set => throw new NotSupportedException(Refused); }
    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException(Refused);
    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException(Refused);
    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException(Refused);
    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    /// <inheritdoc/>
    public abstract override void Write(ReadOnlySpan<byte> buffer);
}
