// Runs one parser's fuzz campaign and judges every case. A case is the parser's property run on
// one generated input, on a worker thread with its own stack, a time limit and an allocation
// budget. Its outcome is one of:
//   correct  the property returned (the parser accepted the input and the property's own checks
//            — round trip, integrity, nothing written outside the target — held);
//   clean    the parser refused the input with one of Arbor's clean errors (see FuzzOutcomes);
//   crash    any other exception, a hang past the time limit, or an allocation past the budget;
//   wrong    the property found a silent wrong result (FuzzWrongResultException): accepted input
//            that does not read back, or corruption that got through an integrity check.
// The campaign prints one summary line, keeps the first failures of each kind with everything
// needed to replay them (campaign seed, case index, seed name, mutations, the input in hex), writes
// failing inputs to ARBOR_FUZZ_ARTIFACTS when set, and fails when anything crashed or was wrong.
// ARBOR_FUZZ_SCALE multiplies the case counts (nightly runs); ARBOR_FUZZ_SEED changes the seed;
// ARBOR_FUZZ_CASE replays one case of a failed run.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using FsCheck;

namespace Arbor.Fuzzing;

/// <summary>A property found that the parser accepted input it should not have, or read it wrongly.</summary>
public sealed class FuzzWrongResultException(string message) : Exception(message);

/// <summary>How a case ended.</summary>
public enum FuzzOutcome
{
    /// <summary>Accepted, and the property's checks held.</summary>
    Correct,
    /// <summary>Refused with a clean error.</summary>
    CleanError,
    /// <summary>Any other exception, a hang or an absurd allocation.</summary>
    Crash,
    /// <summary>A silent wrong result.</summary>
    Wrong,
}

/// <summary>Counts of one campaign.</summary>
public sealed record FuzzStats(string Parser, int Cases, int Correct, int CleanErrors, int Crashes, int Wrong, TimeSpan Elapsed, ulong Seed)
{
    /// <summary>The summary line printed to the test output.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"fuzz {Parser}: {Cases} cases, {Correct} correct, {CleanErrors} clean errors, {Crashes} crashes, {Wrong} wrong ({Elapsed.TotalSeconds:F1} s, ARBOR_FUZZ_SEED=0x{Seed:x})");
}

/// <summary>Which exceptions count as a clean refusal.</summary>
public static class FuzzOutcomes
{
    /// <summary>
    /// Arbor's clean errors: the types the CLI turns into a one-line "error: …" (Program.cs maps
    /// OstreeException, IOException, FormatException and InvalidDataException), with a message.
    /// Excluded although they derive from those: EndOfStreamException (.NET's generic "Unable to
    /// read beyond the end of the stream" names no field) and FileNotFound/DirectoryNotFound
    /// (a parser of bytes has no business opening paths the input names). Type names are
    /// matched so that this assembly needs no reference to Arbor.
    /// </summary>
    public static bool IsClean(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (string.IsNullOrWhiteSpace(e.Message))
            return false;
        if (e is EndOfStreamException or FileNotFoundException or DirectoryNotFoundException)
            return false;
        if (e is FormatException or InvalidDataException or IOException)
            return true;
        for (var t = e.GetType(); t is not null; t = t.BaseType)
        {
            if (t.FullName == "Arbor.Ostree.OstreeException")
                return true;
        }
        return false;
    }
}

/// <summary>One parser's fuzz campaign.</summary>
/// <param name="parser">The parser's name in the summary.</param>
/// <param name="log">Receives the summary line and failure details (the test output).</param>
public sealed class FuzzCampaign(string parser, Action<string> log)
{
    /// <summary>The seed of the default run; ARBOR_FUZZ_SEED overrides it.</summary>
    public const ulong DefaultSeed = 0xA5B0_2025_F022UL;

    /// <summary>Cases in the default run, before ARBOR_FUZZ_SCALE.</summary>
    public int Cases { get; init; } = 1000;

    /// <summary>Time one case may take before it counts as a hang.</summary>
    public TimeSpan CaseTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Bytes one case may allocate (on its thread) before it counts as an absurd allocation.</summary>
    public long AllocationLimit { get; init; } = 64L << 20;

    /// <summary>Decides which exceptions are clean refusals.</summary>
    public Func<Exception, bool> IsClean { get; init; } = FuzzOutcomes.IsClean;

    /// <summary>The multiplier from ARBOR_FUZZ_SCALE (default 1).</summary>
    public static int Scale =>
        int.TryParse(Environment.GetEnvironmentVariable("ARBOR_FUZZ_SCALE"), NumberStyles.None, CultureInfo.InvariantCulture, out int s) && s > 0 ? s : 1;

    /// <summary>The campaign seed (ARBOR_FUZZ_SEED, decimal or 0x-hex, else <see cref="DefaultSeed"/>).</summary>
    public static ulong Seed
    {
        get
        {
            var v = Environment.GetEnvironmentVariable("ARBOR_FUZZ_SEED");
            if (v is null)
                return DefaultSeed;
            if (v.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && ulong.TryParse(v.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var h))
                return h;
            return ulong.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var d) ? d : DefaultSeed;
        }
    }

    /// <summary>Runs the campaign: <see cref="Cases"/> × scale inputs from <paramref name="gen"/>, each through <paramref name="property"/>.</summary>
    /// <exception cref="FuzzFailedException">A case crashed or gave a wrong result.</exception>
    public FuzzStats Run(Gen<FuzzCase> gen, Action<FuzzCase> property)
    {
        ArgumentNullException.ThrowIfNull(gen);
        ArgumentNullException.ThrowIfNull(property);
        // Each campaign draws from its own stream; the base seed (ARBOR_FUZZ_SEED) replays them all.
        ulong baseSeed = Seed;
        ulong seed = baseSeed ^ StableHash(parser);
        int total = Cases * Scale;
        int correct = 0, clean = 0, crashes = 0, wrong = 0;
        var failures = new List<string>();
        var seenKinds = new HashSet<string>(StringComparer.Ordinal);
        var cleanKinds = new Dictionary<string, int>(StringComparer.Ordinal);
        var sw = Stopwatch.StartNew();
        long genTicks = 0;
        var worker = new Worker();
        try
        {
            // ARBOR_FUZZ_CASE=N replays one case (with ARBOR_FUZZ_SEED as printed when it failed).
            var only = int.TryParse(Environment.GetEnvironmentVariable("ARBOR_FUZZ_CASE"), NumberStyles.None, CultureInfo.InvariantCulture, out int one) ? one : -1;
            if (only >= 0)
                total = 1;
            for (int n = 0; n < total; n++)
            {
                int i = only >= 0 ? only : n;
                long genStart = Stopwatch.GetTimestamp();
                var c = Mutator.Sample(gen, seed, i);
                genTicks += Stopwatch.GetTimestamp() - genStart;
                Exception? error = null;
                long allocated = 0;
                bool finished = worker.Run(() =>
                {
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    try
                    {
                        property(c);
                    }
                    catch (Exception e)
                    {
                        error = e;
                    }
                    allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                }, CaseTimeout);
                FuzzOutcome outcome;
                string? kind = null;
                if (!finished)
                {
                    outcome = FuzzOutcome.Crash;
                    kind = $"hang: no result after {CaseTimeout.TotalSeconds:F0} s";
                    worker = new Worker(); // the stuck thread is abandoned (it is a background thread)
                }
                else if (allocated > AllocationLimit)
                {
                    outcome = FuzzOutcome.Crash;
                    kind = $"absurd allocation: {allocated >> 20} MiB on one case ({error?.GetType().Name ?? "no exception"})";
                }
                else if (error is null)
                {
                    outcome = FuzzOutcome.Correct;
                }
                else if (error is FuzzWrongResultException)
                {
                    outcome = FuzzOutcome.Wrong;
                    kind = "wrong: " + error.Message;
                }
                else if (c.Unmutated)
                {
                    // An untouched real sample must parse: the harness or the parser is broken.
                    outcome = FuzzOutcome.Wrong;
                    kind = $"unmutated seed refused: {error.GetType().Name}: {error.Message}";
                }
                else if (IsClean(error))
                {
                    outcome = FuzzOutcome.CleanError;
                }
                else
                {
                    outcome = FuzzOutcome.Crash;
                    kind = $"{error.GetType().FullName} at {TopFrame(error)}";
                }
                switch (outcome)
                {
                    case FuzzOutcome.Correct: correct++; break;
                    case FuzzOutcome.CleanError:
                        clean++;
                        var k = CleanKind(error!);
                        cleanKinds[k] = cleanKinds.GetValueOrDefault(k) + 1;
                        break;
                    case FuzzOutcome.Crash: crashes++; break;
                    default: wrong++; break;
                }
                if (kind is not null && seenKinds.Add(Dedup(kind)) && failures.Count < 8)
                    failures.Add(Describe(i, baseSeed, c, kind, error));
            }
        }
        finally
        {
            worker.Stop();
        }
        var stats = new FuzzStats(parser, total, correct, clean, crashes, wrong, sw.Elapsed, baseSeed);
        log(stats.ToString());
        log(string.Create(CultureInfo.InvariantCulture, $"  generating inputs took {Stopwatch.GetElapsedTime(0, genTicks).TotalSeconds:F1} s"));
        log("  most frequent refusals: " + string.Join(" | ", cleanKinds.OrderByDescending(kv => kv.Value).Take(6).Select(kv => $"{kv.Value}x {kv.Key}")));
        Report(stats);
        foreach (var f in failures)
            log(f);
        if (crashes + wrong > 0)
            throw new FuzzFailedException($"{stats}\n{string.Join("\n", failures)}");
        return stats;
    }

    // A refusal's message with numbers, hex and quoted values blanked, so alike refusals count together.
    private static string CleanKind(Exception e)
    {
        var root = e;
        var m = System.Text.RegularExpressions.Regex.Replace(root.Message, "'[^']*'|\\b[0-9a-f]{16,}\\b|[0-9]+", "#");
        return $"{root.GetType().Name}: {(m.Length > 90 ? m[..90] : m)}";
    }

    private static string Dedup(string kind) => kind.Length > 160 ? kind[..160] : kind;

    private string Describe(int index, ulong seed, FuzzCase c, string kind, Exception? error)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"  [{parser} case {index}, ARBOR_FUZZ_SEED=0x{seed:x}] {kind}\n");
        sb.Append(CultureInfo.InvariantCulture, $"    from {c.Seed.Name} ({c.Seed.Data.Length} bytes) by {c.Mutations} -> {c.Data.Length} bytes\n");
        if (error is not null)
            sb.Append("    ").Append(error.GetType().Name).Append(": ").Append(error.Message.ReplaceLineEndings(" ")).Append('\n');
        if (error?.StackTrace is { } st)
            sb.Append("    ").Append(string.Join("\n    ", st.Split('\n').Take(6).Select(l => l.Trim()))).Append('\n');
        sb.Append("    input: ").Append(Convert.ToHexStringLower(c.Data.AsSpan(0, Math.Min(c.Data.Length, 512)))).Append(c.Data.Length > 512 ? "…" : "");
        if (Environment.GetEnvironmentVariable("ARBOR_FUZZ_ARTIFACTS") is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
            var file = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture, $"{parser}-{seed:x}-{index}.bin"));
            File.WriteAllBytes(file, c.Data);
            sb.Append("\n    saved: ").Append(file);
        }
        return sb.ToString();
    }

    private static string TopFrame(Exception e)
    {
        var frames = new StackTrace(e, false).GetFrames();
        var f = frames.FirstOrDefault(fr => fr.GetMethod()?.DeclaringType?.Namespace?.StartsWith("Arbor", StringComparison.Ordinal) == true) ?? frames.FirstOrDefault();
        var m = f?.GetMethod();
        return m is null ? "?" : $"{m.DeclaringType?.Name}.{m.Name}";
    }

    private static uint StableHash(string s)
    {
        unchecked
        {
            uint h = 17;
            foreach (char ch in s)
                h = h * 31 + ch;
            return h;
        }
    }

    // The figures of every campaign in one file, for tests/FUZZING.md and nightly runs.
    private static readonly Lock ReportLock = new();

    private static void Report(FuzzStats stats)
    {
        if (Environment.GetEnvironmentVariable("ARBOR_FUZZ_REPORT") is not { Length: > 0 } path)
            return;
        lock (ReportLock)
            File.AppendAllText(path, stats + "\n");
    }

    // A thread that runs one case at a time, so a case can be timed out (and abandoned) and its
    // allocations counted on a thread of its own.
    private sealed class Worker
    {
        private readonly Thread _thread;
        private readonly SemaphoreSlim _go = new(0), _done = new(0);
        private Action? _work;
        private volatile bool _stop;

        public Worker()
        {
            _thread = new Thread(Loop, 16 << 20) { IsBackground = true, Name = "fuzz case" };
            _thread.Start();
        }

        private void Loop()
        {
            while (true)
            {
                _go.Wait();
                if (_stop)
                    return;
                _work!();
                _done.Release();
            }
        }

        public bool Run(Action work, TimeSpan timeout)
        {
            _work = work;
            _go.Release();
            return _done.Wait(timeout);
        }

        public void Stop()
        {
            _stop = true;
            _go.Release();
        }
    }
}

/// <summary>A fuzz campaign found crashes or wrong results; the message lists them.</summary>
public sealed class FuzzFailedException(string message) : Exception(message);
