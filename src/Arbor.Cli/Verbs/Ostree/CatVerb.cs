// `ostree cat COMMIT PATH…` (ot-builtin-cat.c): copies file contents from a commit to stdout as
// raw bytes, following symlinks inside the commit the way OstreeRepoFile does.
using Arbor.Ostree.Repo;

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class CatVerb : OstreeVerb
{
    public override string Name => "cat";
    public override string Summary => "Concatenate contents of files";
    public override string Usage => "ostree cat [OPTION…] COMMIT PATH...";

    protected override IReadOnlyList<OptionSpec> VerbOptions => [];

    public override int Run(VerbContext ctx)
    {
        RequireArgs(ctx, 2, "A COMMIT and at least one PATH argument are required");
        var repo = ctx.Repo;
        var root = RepoFile.ForCommit(repo, repo.ResolveRev(ctx.Args.Positional[0])!.Value);
        foreach (var p in ctx.Args.Positional.Skip(1))
        {
            using var data = root.ResolveRelative(p).OpenRead();
            CopyToOutput(data, ctx.Out);
        }
        return 0;
    }

    /// <summary>Writes bytes to the verb's output: straight to the process's stdout or a stream writer's stream when possible.</summary>
    internal static void CopyToOutput(Stream data, TextWriter output)
    {
        output.Flush();
        if (ReferenceEquals(output, Console.Out))
        {
            using var stdout = Console.OpenStandardOutput();
            data.CopyTo(stdout);
            stdout.Flush();
        }
        else if (output is StreamWriter sw)
        {
            data.CopyTo(sw.BaseStream);
            sw.BaseStream.Flush();
        }
        else
        {
            using var ms = new MemoryStream();
            data.CopyTo(ms);
            output.Write(System.Text.Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length));
        }
    }
}
