// Runs the repository check as `ostree fsck` would print it, so tests assert ostree's lines: the
// steps and the closing line in one list, the problems in another.
using Arbor.Cli.Render;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Tests.Fsck;

internal static class FsckLines
{
    /// <summary>Runs fsck, appending its stdout lines to <paramref name="output"/> and its stderr lines to <paramref name="problems"/>; exceptions propagate.</summary>
    public static void Run(Repository repo, FsckOptions options, List<string> output, List<string> problems) =>
        Arbor.Ostree.Repo.Fsck.Run(repo, options, e => (e.IsProblem ? problems : output).Add(FsckText.Line(e)));

    /// <summary>The problems a check of <paramref name="repo"/> prints (fails on an exception).</summary>
    public static List<string> Problems(Repository repo)
    {
        var problems = new List<string>();
        Run(repo, new FsckOptions(), [], problems);
        return problems;
    }
}
