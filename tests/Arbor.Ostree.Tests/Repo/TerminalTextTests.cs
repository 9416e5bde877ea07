using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Tests.Repo;

// Text from remotes reaches the terminal with its control characters escaped, never as they are.
public class TerminalTextTests
{
    [Theory]
    [InlineData("plain text, é, 日本, 😀", "plain text, é, 日本, 😀")]
    [InlineData("a\tb", "a\tb")]
    [InlineData("\u001b]0;owned\u0007", "\\x1b]0;owned\\x07")]
    [InlineData("red \u001b[31mX\u001b[0m", "red \\x1b[31mX\\x1b[0m")]
    [InlineData("line\nbreak\r", "line\\x0abreak\\x0d")]
    [InlineData("del\u007f c1\u009b", "del\\x7f c1\\u{009B}")]
    [InlineData("bidi \u202eevil\u202c \u2066x\u2069", "bidi \\u{202E}evil\\u{202C} \\u{2066}x\\u{2069}")]
    [InlineData("sep\u2028", "sep\\u{2028}")]
    public void Control_characters_are_escaped(string text, string shown) =>
        Assert.Equal(shown, TerminalText.Escape(text));

    [Fact]
    public void Newlines_stay_where_asked_and_lone_surrogates_are_escaped()
    {
        Assert.Equal("lone \\u{D800}", TerminalText.Escape("lone " + (char)0xD800));
        Assert.Equal("one\ntwo\\x1b\n", TerminalText.Escape("one\ntwo\u001b\n", keepNewlines: true));
    }

    [Fact]
    public void Bytes_that_are_not_utf8_show_as_hex_never_as_replacement_characters()
    {
        Assert.Equal("a\\xffb\\xc3(é\\x1b", TerminalText.Escape([(byte)'a', 0xff, (byte)'b', 0xc3, (byte)'(', 0xc3, 0xa9, 0x1b]));
        Assert.Equal("\uFFFD", TerminalText.Escape("\uFFFD"u8));
    }

    [Fact]
    public void Commit_subject_body_and_version_are_printed_escaped()
    {
        var tree = Checksum.Of("t"u8);
        var commit = new Commit(
            [new("version", GVariantValue.Str("1\u001b[2J"))],
            null, "subject \u001b]0;x\u0007", "body line 1\nline 2 \u001b[31m\n", 0, tree, tree);
        var text = Arbor.Cli.CommitPrinter.FormatCommit(tree, commit, raw: false, default);
        Assert.DoesNotContain('\u001b', text);
        Assert.Contains("Version: 1\\x1b[2J\n", text, StringComparison.Ordinal);
        Assert.Contains("\n    subject \\x1b]0;x\\x07\n", text, StringComparison.Ordinal);
        Assert.Contains("\n    body line 1\n    line 2 \\x1b[31m\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Summary_view_escapes_ref_names_and_strings()
    {
        var summary = new Summary(
            [new SummaryRef("main\u001b[8m", 10, Checksum.Of("c"u8), [new("ostree.commit.version", GVariantValue.Str("v\u0007"))])],
            [new("ostree.summary.mode", GVariantValue.Str("archive\u001b"))]);
        var text = Arbor.Cli.OstreeText.View(summary);
        Assert.DoesNotContain('\u001b', text);
        Assert.DoesNotContain('\u0007', text);
        Assert.Contains("* main\\x1b[8m\n", text, StringComparison.Ordinal);
    }
}
