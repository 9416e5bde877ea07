// Running independent per-package work (reading headers, hashing files) on every core with
// plain threads. The TPL's Parallel.For costs more to start (its EventSource, generic workers
// compiled at run time) than describing a few hundred packages, and `arbor rpm` is run often.
namespace Arbor.Rpm;

/// <summary>A minimal parallel for-loop over indexes.</summary>
public static class ParallelWork
{
    /// <summary>
    /// Runs <paramref name="produce"/> for 0..count-1 on up to one thread per core and hands each
    /// result to <paramref name="consume"/> in index order, one at a time, as soon as the results
    /// before it have been consumed, so results need not all be held at once. Consumption stops at
    /// the first failure; the failure of the lowest index is rethrown.
    /// </summary>
    public static void ForOrdered<T>(int count, Func<int, T> produce, Action<T> consume)
    {
        ArgumentNullException.ThrowIfNull(produce);
        ArgumentNullException.ThrowIfNull(consume);
        var results = new T[count];
        var ready = new bool[count];
        int nextToConsume = 0;
        var gate = new Lock();
        For(count, i =>
        {
            results[i] = produce(i);
            lock (gate)
            {
                ready[i] = true;
                // Whoever completes the next result in order consumes every consecutive one ready.
                while (nextToConsume < count && ready[nextToConsume])
                {
                    var item = results[nextToConsume];
                    results[nextToConsume++] = default!;
                    consume(item);
                }
            }
        });
    }

    /// <summary>Runs <paramref name="body"/> for 0..count-1 on up to one thread per core; rethrows the failure of the lowest index.</summary>
    public static void For(int count, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var failures = new Exception?[count];
        int next = -1;
        void Work()
        {
            for (int i; (i = Interlocked.Increment(ref next)) < count;)
            {
                try
                {
                    body(i);
                }
                catch (Exception e)
                {
                    failures[i] = e;
                    return;
                }
            }
        }
        var threads = new List<Thread>();
        for (int t = 1; t < Math.Min(Environment.ProcessorCount, count); t++)
        {
            var thread = new Thread(Work);
            thread.Start();
            threads.Add(thread);
        }
        Work();
        foreach (var thread in threads)
            thread.Join();
        foreach (var f in failures)
        {
            if (f is not null)
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(f);
        }
    }
}
