// Every command family goes through one parser and one exit-code map: usage errors are
// "error: MESSAGE" and status 1 under `arbor ostree` (as ostree), the host verbs (as rpm-ostree),
// `arbor rpm` and `arbor serve`; help and --version are 0; a defect that escapes an engine is
// still one line and status 1. Exact codes, no "1 or 2".
namespace Arbor.Cli.Tests;

public sealed class ExitCodeTests
{
    public static TheoryData<string[], string> UsageErrors() => new()
    {
        { ["ostree", "refs", "--bogus"], "error: Unknown option --bogus" },
        { ["ostree", "--repo=/nonexistent", "refs", "-Z"], "error: Unknown option -Z" },
        { ["ostree"], "error: No command specified" },
        { ["ostree", "frobnicate"], "error: Unknown command 'frobnicate'" },
        { ["ostree", "commit", "--owner-uid=abc"], "error: Cannot parse integer value “abc” for --owner-uid" },
        { ["ostree", "log", "--raw=x"], "error: Option --raw does not take a value" },
        { ["rpm"], "error: No \"rpm\" subcommand specified" },
        { ["rpm", "frobnicate"], "error: Unknown \"rpm\" subcommand \"frobnicate\"" },
        { ["rpm", "info"], "error: info takes FILE.rpm... [--json|--nevra]" },
        { ["rpm", "info", "--bogus", "x.rpm"], "error: Unknown option --bogus" },
        { ["rpm", "extract", "only-one"], "error: extract takes FILE.rpm DIR" },
        { ["rpm", "build", "m.yaml"], "error: build takes MANIFEST.yaml --root DIR --output DIR" },
        { ["rpm", "download", "--parallel=0", "bash"], "error: download: --parallel needs a positive number" },
        { ["rpm", "testsolv"], "error: testsolv takes [-r] FILE..." },
        { ["rpm", "resolve", "bash"], "error: resolve takes --repofrompath=ID,DIR... [--installroot ROOT] [--arch ARCH] [--no-weak-deps] PKG..." },
        { ["rpm", "resolve", "--repofrompath=nocomma", "bash"], "error: --repofrompath wants ID,DIR, not 'nocomma'" },
        { ["status", "--bogus"], "error: Unknown option --bogus" },
        { ["upgrade", "extra-arg", "--sysroot=/nonexistent"], "error: Unexpected argument 'extra-arg'" },
        { ["serve"], "error: --repo is required" },
        { ["db"], "error: No \"db\" subcommand specified" },
        { ["db", "frobnicate"], "error: Unknown \"db\" subcommand \"frobnicate\"" },
        { ["db", "diff", "--format=yaml", "a", "b"], "error: Format argument is invalid, pick one of: diff, block, json" },
        { ["db", "list", "--bogus"], "error: Unknown option --bogus" },
        { [], "error: No command specified" },
        { ["frobnicate"], "error: Unknown command 'frobnicate'" },
    };

    [Theory]
    [MemberData(nameof(UsageErrors))]
    public void UsageErrorsExitOneWithOneErrorLine(string[] args, string expected)
    {
        var (code, _, err) = Cli.Run(args);
        Assert.Equal(1, code);
        var errorLines = err.Split('\n').Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToList();
        Assert.Equal([expected], errorLines);
    }

    [Fact]
    public void RpmUsageErrorsAreFollowedByTheUsage()
    {
        var (code, _, err) = Cli.Run("rpm", "frobnicate");
        Assert.Equal(1, code);
        Assert.Contains("\nUsage:\n  arbor rpm info FILE.rpm...", err, StringComparison.Ordinal);
    }

    [Fact]
    public void FailuresOfTheWorkExitOne()
    {
        using var dir = new TempDir();
        var (code, _, err) = Cli.Run("ostree", "--repo=" + dir.Combine("none"), "refs");
        Assert.Equal(1, code);
        Assert.StartsWith("error: opening repo: opendir(", err, StringComparison.Ordinal);
        (code, _, err) = Cli.Run("rpm", "info", dir.Combine("missing.rpm"));
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", err, StringComparison.Ordinal);
        (code, _, err) = Cli.Run("status", "--sysroot=" + dir.Path);
        Assert.Equal(1, code);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("--help")]
    [InlineData("ostree", "--version")]
    [InlineData("ostree", "refs", "--help")]
    [InlineData("rpm", "--help")]
    [InlineData("rpm", "info", "--help")]
    [InlineData("status", "--help")]
    [InlineData("serve", "--help")]
    public void HelpAndVersionExitZero(params string[] args)
    {
        var (code, output, err) = Cli.Run(args);
        Assert.Equal(0, code);
        Assert.NotEmpty(output);
        Assert.Empty(err);
    }

    [Fact]
    public void ADefectIsOneLineAndExitOne()
    {
        var o = new StringWriter();
        var e = new StringWriter { NewLine = "\n" };
        int code = ExitCodes.Report(new NullReferenceException("Object reference not set to an instance of an object."), CommandFamily.Ostree, o, e);
        Assert.Equal(1, code);
        Assert.Equal("error: Object reference not set to an instance of an object. (NullReferenceException; this is a bug in Arbor, run with ARBOR_DEBUG=1 for details)\n", e.ToString());
        Assert.False(ExitCodes.IsExpected(new IndexOutOfRangeException()));
        Assert.True(ExitCodes.IsExpected(new Arbor.Ostree.OstreeException("x")));
    }
}
