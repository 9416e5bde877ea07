// libsolv's Queue (a growable Id array, 32 bytes on x86_64) is how jobs, selections, problem rules
// and transaction steps cross the boundary. queue_push is an inline in the C header, so pushing
// goes through the exported queue_insert at the end. The struct lives in native memory so its
// address stays fixed while libsolv grows the element buffer behind it.
using System.Runtime.InteropServices;

namespace Arbor.Native.Solv;

/// <summary>A libsolv <c>Queue</c> of Ids owned by managed code.</summary>
public sealed unsafe class SolvQueue : IDisposable
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct Raw
    {
        public int* Elements;
        public int Count;
        public int* Alloc;
        public int Left;
    }

    internal Raw* Ptr { get; private set; }

    /// <summary>Creates an empty queue.</summary>
    public SolvQueue()
    {
        Ptr = (Raw*)NativeMemory.AllocZeroed((nuint)sizeof(Raw));
        SolvNative.QueueInit(Ptr);
    }

    /// <summary>Number of Ids in the queue.</summary>
    public int Count => Live->Count;

    /// <summary>The Id at <paramref name="i"/>.</summary>
    public int this[int i]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(i);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(i, Live->Count);
            return Live->Elements[i];
        }
    }

    /// <summary>Appends one Id.</summary>
    public void Push(int id) => SolvNative.QueueInsert(Live, Live->Count, id);

    /// <summary>Appends two Ids (a job: how, what).</summary>
    public void Push(int how, int what)
    {
        Push(how);
        Push(what);
    }

    /// <summary>Empties the queue, keeping nothing.</summary>
    public void Clear()
    {
        SolvNative.QueueFree(Live);
        SolvNative.QueueInit(Ptr);
    }

    /// <summary>A copy of the Ids.</summary>
    public int[] ToArray() => new ReadOnlySpan<int>(Live->Elements, Live->Count).ToArray();

    private Raw* Live
    {
        get
        {
            ObjectDisposedException.ThrowIf(Ptr == null, this);
            return Ptr;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Ptr == null)
            return;
        SolvNative.QueueFree(Ptr);
        NativeMemory.Free(Ptr);
        Ptr = null;
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the native queue if Dispose was not called.</summary>
    ~SolvQueue()
    {
        if (Ptr != null)
        {
            SolvNative.QueueFree(Ptr);
            NativeMemory.Free(Ptr);
        }
    }
}
