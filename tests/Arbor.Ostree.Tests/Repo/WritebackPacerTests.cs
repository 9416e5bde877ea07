// The writeback pacer: a background sync once a chunk of content is written, never two at once,
// none when the pull will not sync, and a failing early sync left for the final one to report.
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Tests.Repo;

public class WritebackPacerTests
{
    [Fact]
    public void A_sync_starts_per_chunk_written_and_never_two_at_once()
    {
        int syncs = 0;
        using var release = new ManualResetEventSlim(false);
        var pacer = new WritebackPacer(() =>
        {
            Interlocked.Increment(ref syncs);
            release.Wait(TimeSpan.FromSeconds(10));
        }, enabled: true);

        pacer.Written(WritebackPacer.Chunk - 1);
        Assert.Equal(0, Volatile.Read(ref syncs));
        pacer.Written(1);
        SpinWait.SpinUntil(() => Volatile.Read(ref syncs) == 1, TimeSpan.FromSeconds(10));
        // Another chunk while the first sync runs: no second one.
        pacer.Written(WritebackPacer.Chunk);
        pacer.Written(WritebackPacer.Chunk);
        release.Set();
        pacer.Drain();
        Assert.Equal(1, Volatile.Read(ref syncs));
        // The bytes written meanwhile start the next one.
        pacer.Written(1);
        pacer.Drain();
        Assert.Equal(2, Volatile.Read(ref syncs));
    }

    [Fact]
    public void A_disabled_pacer_never_syncs_and_a_failing_sync_is_left_to_the_final_one()
    {
        int syncs = 0;
        var off = new WritebackPacer(() => Interlocked.Increment(ref syncs), enabled: false);
        off.Written(10 * WritebackPacer.Chunk);
        off.Drain();
        Assert.Equal(0, syncs);

        var failing = new WritebackPacer(() =>
        {
            Interlocked.Increment(ref syncs);
            throw new IOException("syncfs: Input/output error");
        }, enabled: true);
        failing.Written(WritebackPacer.Chunk);
        failing.Drain();
        Assert.Equal(1, syncs);
    }
}
