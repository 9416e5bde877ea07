// The two input formats: YAML as serde_yaml reads it (one document, no duplicate keys, aliases
// resolved) and the file-name rule that picks YAML or JSON.
namespace Arbor.Compose.Tests.Treefile;

public class TreefileFormatTests
{
    [Theory]
    [InlineData("ref: r\nref: s\n", "line 2")]
    [InlineData("ref: r\n---\nref: s\n", "more than one document")]
    [InlineData("", "empty")]
    public void Yaml_that_serde_yaml_refuses_is_refused(string text, string message)
    {
        using var dir = new TreefileDir();
        string path = dir.Write("t.yaml", text);
        var e = Assert.Throws<FormatException>(() => dir.Load("t.yaml"));
        Assert.StartsWith(path + ": ", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plain_numbers_are_strings_only_in_package_lists()
    {
        using var dir = new TreefileDir();
        dir.Write("t.yaml", "ref: r\npackages: [123, 4.5 true]\n");
        Assert.Equal(["123", "4.5", "true"], dir.Load("t.yaml").Packages);
        string path = dir.Write("u.yaml", "ref: 40\n");
        Assert.Equal($"{path}: line 1, column 6: 'ref' must be a string (quote 40)", Assert.Throws<FormatException>(() => dir.Load("u.yaml")).Message);
    }

    [Fact]
    public void Anchors_and_aliases_read_as_their_values()
    {
        using var dir = new TreefileDir();
        dir.Write("t.yaml", "ref: &r main\nunits: [*r]\n");
        Assert.Equal(["main"], dir.Load("t.yaml").Units);
    }

    [Fact]
    public void A_yml_name_is_yaml_and_any_other_name_is_json()
    {
        using var dir = new TreefileDir();
        dir.Write("t.yml", "ref: r\n");
        Assert.Equal("r", dir.Load("t.yml").Ref);
        dir.Write("t.conf", "ref: r\n");
        Assert.Throws<FormatException>(() => dir.Load("t.conf"));
    }
}
