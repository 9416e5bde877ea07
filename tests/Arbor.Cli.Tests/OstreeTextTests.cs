// The words ostree prints from engine results: pull and pull-local closing lines, the dry-run
// delta line, diff --stats and GLib's size format, now rendered by the CLI from records.
using Arbor.Ostree.Pull;
using Arbor.Ostree.Repo;

namespace Arbor.Cli.Tests;

public sealed class OstreeTextTests
{
    [Fact]
    public void PullLinesReadAsOstreeWritesThem()
    {
        var r = new PullResult(3, 10, 0, 0, 120 * 1024, 1_234_567, TimeSpan.FromSeconds(2.5), new Dictionary<string, Arbor.Ostree.Objects.Checksum>());
        Assert.Equal("3 metadata, 10 content objects fetched; 120 KiB transferred in 2 seconds; 1.2\u00a0MB content written", OstreeText.PullSummary(r));
        var d = r with { Delta = new DeltaPullStats(1, 2, 0, 0, 1200, 4500, 9000) };
        Assert.StartsWith("1 delta parts, 13 loose fetched;", OstreeText.PullSummary(d), StringComparison.Ordinal);
        Assert.Equal("Delta update: 1/2 parts, 1.2\u00a0kB/4.5\u00a0kB, 9.0\u00a0kB total uncompressed", OstreeText.DryRunLine(d.Delta));
        Assert.Equal("5 metadata, 3 content objects imported; 5 bytes content written",
            OstreeText.LocalPullSummary(new LocalPullResult(5, 3, 5, 0, new Dictionary<string, Arbor.Ostree.Objects.Checksum>())));
    }

    [Fact]
    public void DiffStatsLines() =>
        Assert.Equal("[A] Object Count: 4\n[B] Object Count: 5\nCommon Object Count: 3\nCommon Object Size: 1 byte\n",
            OstreeText.DiffStats(new DiffStats(4, 5, 3, 1)));
}
