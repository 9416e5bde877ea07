// Rich (boolean) dependencies, rpm 4.13+: "(A and B)", "(A or B)", "(A if B else C)",
// "(A unless B else C)", "(A with B)", "(A without B)", nested to any depth. The parser turns the
// text a header stores as a dependency name into a tree; the solver walks the tree. Errors name
// the character offset, as rpm's rpmrichParse does.
namespace Arbor.Rpm.Version;

/// <summary>The operators of a rich dependency.</summary>
public enum RichOp
{
    /// <summary>A plain dependency leaf.</summary>
    Simple,
    /// <summary>All operands.</summary>
    And,
    /// <summary>Any operand.</summary>
    Or,
    /// <summary>Left if right (optionally else third).</summary>
    If,
    /// <summary>Left unless right (optionally else third).</summary>
    Unless,
    /// <summary>Left and right satisfied by the same package.</summary>
    With,
    /// <summary>Left but not by a package that satisfies right.</summary>
    Without,
}

/// <summary>A parsed rich dependency: either a leaf or an operator over operands.</summary>
public sealed record RichDependency(RichOp Op, Dependency? Leaf, IReadOnlyList<RichDependency> Operands)
{
    /// <summary>Parses a rich dependency (must start with '(').</summary>
    public static RichDependency Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int pos = 0;
        SkipSpace(text, ref pos);
        if (pos >= text.Length || text[pos] != '(')
            throw new FormatException($"rich dependency '{text}': must start with '('");
        var result = ParseTerm(text, ref pos);
        SkipSpace(text, ref pos);
        if (pos != text.Length)
            throw new FormatException($"rich dependency '{text}': unexpected text at offset {pos}");
        return result;
    }

    private static void SkipSpace(string s, ref int pos)
    {
        while (pos < s.Length && char.IsWhiteSpace(s[pos]))
            pos++;
    }

    private static RichDependency ParseTerm(string s, ref int pos)
    {
        SkipSpace(s, ref pos);
        if (pos < s.Length && s[pos] == '(')
            return ParseGroup(s, ref pos);
        return new RichDependency(RichOp.Simple, ParseSimple(s, ref pos), []);
    }

    private static Dependency ParseSimple(string s, ref int pos)
    {
        int start = pos;
        string name = Word(s, ref pos);
        if (name.Length == 0)
            throw new FormatException($"rich dependency '{s}': missing name at offset {start}");
        SkipSpace(s, ref pos);
        int save = pos;
        string op = "";
        while (pos < s.Length && s[pos] is '<' or '>' or '=')
            op += s[pos++];
        if (op.Length == 0)
        {
            pos = save;
            return new Dependency(name, DependencyFlags.Any, "");
        }
        SkipSpace(s, ref pos);
        int evrAt = pos;
        string evr = Word(s, ref pos);
        if (evr.Length == 0)
            throw new FormatException($"rich dependency '{s}': missing version after '{op}' at offset {evrAt}");
        return new Dependency(name, Dependency.ParseOperator(op, s), evr);
    }

    // A name or EVR: up to whitespace or an unbalanced ')'. Names may contain balanced parentheses
    // (e.g. "perl(Foo::Bar)").
    private static string Word(string s, ref int pos)
    {
        int start = pos, depth = 0;
        while (pos < s.Length)
        {
            char c = s[pos];
            if (char.IsWhiteSpace(c) || (c == ')' && depth == 0))
                break;
            if (c is '<' or '>' or '=' && depth == 0 && pos > start)
                break;
            if (c == '(') depth++;
            if (c == ')') depth--;
            pos++;
        }
        return s[start..pos];
    }

    private static RichDependency ParseGroup(string s, ref int pos)
    {
        int open = pos;
        pos++; // '('
        var first = ParseTerm(s, ref pos);
        SkipSpace(s, ref pos);
        if (pos < s.Length && s[pos] == ')')
        {
            pos++;
            return first;
        }
        int opAt = pos;
        string opWord = Word(s, ref pos);
        RichOp op = opWord switch
        {
            "and" => RichOp.And,
            "or" => RichOp.Or,
            "if" => RichOp.If,
            "unless" => RichOp.Unless,
            "with" => RichOp.With,
            "without" => RichOp.Without,
            _ => throw new FormatException($"rich dependency '{s}': unknown operator '{opWord}' at offset {opAt}"),
        };
        var operands = new List<RichDependency> { first, ParseTerm(s, ref pos) };
        while (true)
        {
            SkipSpace(s, ref pos);
            if (pos >= s.Length)
                throw new FormatException($"rich dependency '{s}': '(' at offset {open} is never closed");
            if (s[pos] == ')')
            {
                pos++;
                break;
            }
            int nextAt = pos;
            string next = Word(s, ref pos);
            if (next == "else" && op is RichOp.If or RichOp.Unless && operands.Count == 2)
                operands.Add(ParseTerm(s, ref pos));
            else if (next == opWord && op is RichOp.And or RichOp.Or or RichOp.With)
                operands.Add(ParseTerm(s, ref pos));
            else
                throw new FormatException($"rich dependency '{s}': unexpected '{next}' at offset {nextAt}");
        }
        return new RichDependency(op, null, operands);
    }

    /// <summary>Formats back to rpm's canonical text.</summary>
    public override string ToString()
    {
        if (Op == RichOp.Simple)
            return Leaf!.ToString();
        string word = Op.ToString().ToLowerInvariant();
        var sb = new System.Text.StringBuilder("(");
        for (int i = 0; i < Operands.Count; i++)
        {
            if (i > 0)
                sb.Append(' ').Append(i == 2 && Op is RichOp.If or RichOp.Unless ? "else" : word).Append(' ');
            sb.Append(Operands[i]);
        }
        return sb.Append(')').ToString();
    }
}
