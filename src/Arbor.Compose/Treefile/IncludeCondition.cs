// The `if:` of a conditional-include: "<var> <op> <value>", where the value is true, false, decimal
// digits or a double-quoted string, and the op one of == != < <= > >= (rpm-ostree's grammar). A
// condition is evaluated against the variables known when its file is read (those of the files
// that included it, its own, basearch and releasever); an undefined variable, a type mismatch or an
// ordering op on non-numbers is an error, as in rpm-ostree.
using System.Globalization;
using System.Text.RegularExpressions;

namespace Arbor.Compose.Treefile;

/// <summary>One parsed condition.</summary>
internal sealed partial record IncludeCondition(string Variable, string Op, TreefileVariable Value, string Text)
{
    [GeneratedRegex("""^\s*(?<var>[A-Za-z0-9_]+)\s*(?<op>\S+)\s*((?<true>true)|(?<false>false)|(?<number>[0-9]+)|"(?<string>.*)")\s*$""")]
    private static partial Regex Grammar();

    public static IncludeCondition Parse(TreefileNode node)
    {
        if (!node.IsScalar || node.Kind != ScalarKind.String && node.Kind != ScalarKind.Bool && node.Kind != ScalarKind.Integer)
            throw node.Error("conditional-include.if", "must be a condition string or a list of them");
        string text = node.Text!;
        var m = Grammar().Match(text);
        if (!m.Success)
            throw node.Error("conditional-include.if", $"is not a valid condition: {text}");
        TreefileVariable value;
        if (m.Groups["true"].Success)
            value = TreefileVariable.Of(true);
        else if (m.Groups["false"].Success)
            value = TreefileVariable.Of(false);
        else if (m.Groups["number"].Success)
        {
            if (!ulong.TryParse(m.Groups["number"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n))
                throw node.Error("conditional-include.if", $"has a number out of range: {text}");
            value = TreefileVariable.Of(n);
        }
        else
            value = TreefileVariable.Of(m.Groups["string"].Value);
        string op = m.Groups["op"].Value;
        if (op is not ("==" or "!=" or ">" or ">=" or "<" or "<="))
            throw node.Error("conditional-include.if", $"expected one of ==, !=, >, >=, <, <= but got {op}");
        return new IncludeCondition(m.Groups["var"].Value, op, value, text);
    }

    public bool Evaluate(IReadOnlyDictionary<string, TreefileVariable> vars, TreefileNode node)
    {
        if (!vars.TryGetValue(Variable, out var val))
            throw node.Error("conditional-include.if", $"uses undefined variable '{Variable}'");
        if (val.Kind != Value.Kind)
            throw node.Error("conditional-include.if", $"compares {Variable} ({val.Kind}) with {Value} ({Value.Kind}): not the same type");
        switch (Op)
        {
            case "==": return val == Value;
            case "!=": return val != Value;
        }
        if (val.Kind != TreefileVariableKind.Number)
            throw node.Error("conditional-include.if", $"invalid op {Op} for values '{val}' and '{Value}'");
        return Op switch
        {
            ">" => val.Number > Value.Number,
            ">=" => val.Number >= Value.Number,
            "<" => val.Number < Value.Number,
            _ => val.Number <= Value.Number,
        };
    }
}
