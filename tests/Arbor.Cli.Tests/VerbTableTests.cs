namespace Arbor.Cli.Tests;

// The `arbor ostree` verb table is written out by hand for start-up speed; it must list every verb.
public class VerbTableTests
{
    [Fact]
    public void Every_ostree_verb_class_is_in_the_table_under_its_name()
    {
        var classes = typeof(Program).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(OstreeVerb)) && !t.IsAbstract)
            .Select(t => ((OstreeVerb)Activator.CreateInstance(t)!).Name)
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(classes, Program.OstreeVerbNames.Order(StringComparer.Ordinal));
        foreach (var name in Program.OstreeVerbNames)
        {
            var output = new StringWriter();
            Assert.Equal(0, Program.Run(["ostree", name, "--help"], output, new StringWriter()));
            Assert.Contains("Usage:", output.ToString(), StringComparison.Ordinal);
        }
    }
}
