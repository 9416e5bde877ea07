// GVariant text format input, the subset that ostree's command line takes through g_variant_parse
// (`commit --add-metadata`, `summary --add-metadata`): strings, booleans, numbers with optional
// type keywords (uint32 5, int64 -1, byte 0x10), @TYPE annotations, arrays, tuples, dictionaries,
// <variants> and b'bytestrings'. Unannotated integers are int32 and decimals are doubles, as in glib.
using System.Globalization;
using System.Text;

namespace Arbor.Ostree.GVariant;

/// <summary>Parses GVariant text format.</summary>
public sealed class GVariantParser
{
    private readonly string _s;
    private int _pos;

    private GVariantParser(string s) => _s = s;

    /// <summary>Parses <paramref name="text"/>; <paramref name="expected"/> guides untyped literals.</summary>
    /// <exception cref="FormatException">The text is not a value, naming the offset.</exception>
    public static GVariantValue Parse(string text, GVariantType? expected = null)
    {
        var p = new GVariantParser(text);
        var v = p.ParseValue(expected);
        p.SkipWs();
        if (p._pos != text.Length)
            throw p.Error("trailing characters");
        return v;
    }

    private FormatException Error(string what) => new($"GVariant text '{_s}': {what} at offset {_pos}");

    private void SkipWs()
    {
        while (_pos < _s.Length && char.IsWhiteSpace(_s[_pos]))
            _pos++;
    }

    private bool TryConsume(string token)
    {
        SkipWs();
        if (string.CompareOrdinal(_s, _pos, token, 0, token.Length) != 0)
            return false;
        int end = _pos + token.Length;
        if (char.IsAsciiLetter(token[^1]) && end < _s.Length && (char.IsAsciiLetterOrDigit(_s[end]) || _s[end] == '_'))
            return false;
        _pos = end;
        return true;
    }

    private void Expect(char c)
    {
        SkipWs();
        if (_pos >= _s.Length || _s[_pos] != c)
            throw Error($"expected '{c}'");
        _pos++;
    }

    private GVariantValue ParseValue(GVariantType? expected)
    {
        SkipWs();
        if (_pos >= _s.Length)
            throw Error("unexpected end");
        if (_s[_pos] == '@')
        {
            _pos++;
            int start = _pos;
            while (_pos < _s.Length && !char.IsWhiteSpace(_s[_pos]))
                _pos++;
            var type = GVariantType.Parse(_s[start.._pos]);
            return ParseValue(type);
        }
        string[] keywords = ["boolean", "byte", "int16", "uint16", "int32", "uint32", "handle", "int64", "uint64", "double", "string", "objectpath", "signature"];
        foreach (var k in keywords)
        {
            if (TryConsume(k))
            {
                var t = k switch
                {
                    "boolean" => "b",
                    "byte" => "y",
                    "int16" => "n",
                    "uint16" => "q",
                    "int32" => "i",
                    "uint32" => "u",
                    "handle" => "h",
                    "int64" => "x",
                    "uint64" => "t",
                    "double" => "d",
                    "string" => "s",
                    "objectpath" => "o",
                    _ => "g",
                };
                return ParseValue(GVariantType.Parse(t));
            }
        }
        if (TryConsume("true"))
            return GVariantValue.Bool(true);
        if (TryConsume("false"))
            return GVariantValue.Bool(false);
        if (TryConsume("nothing"))
            return new GVMaybe(expected?.Element ?? throw Error("'nothing' needs a type annotation"), null);
        if (TryConsume("just"))
            return new GVMaybe(expected?.Element ?? GVariantType.String, ParseValue(expected?.Element));
        char c = _s[_pos];
        switch (c)
        {
            case '\'' or '"':
                {
                    var str = ParseString();
                    return expected?.Kind is 'o' or 'g' ? new GVString(str, expected.Kind) : GVariantValue.Str(str);
                }
            case 'b' when _pos + 1 < _s.Length && _s[_pos + 1] is '\'' or '"':
                {
                    _pos++;
                    var bytes = Encoding.UTF8.GetBytes(ParseString());
                    return new GVBytes(bytes.Append((byte)0).ToArray());
                }
            case '<':
                {
                    _pos++;
                    var inner = ParseValue(null);
                    Expect('>');
                    return new GVVariant(inner);
                }
            case '[':
                return ParseArray(expected);
            case '{':
                return ParseDict(expected);
            case '(':
                return ParseTuple(expected);
            default:
                return ParseNumber(expected);
        }
    }

    private string ParseString()
    {
        char quote = _s[_pos++];
        var sb = new StringBuilder();
        while (_pos < _s.Length && _s[_pos] != quote)
        {
            char c = _s[_pos++];
            if (c == '\\' && _pos < _s.Length)
            {
                char n = _s[_pos++];
                switch (n)
                {
                    case 'n': sb.Append('\n'); break;
                    case 't': sb.Append('\t'); break;
                    case 'r': sb.Append('\r'); break;
                    case 'a': sb.Append('\a'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'v': sb.Append('\v'); break;
                    case 'u' when _pos + 4 <= _s.Length:
                        sb.Append((char)int.Parse(_s.AsSpan(_pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        _pos += 4;
                        break;
                    default: sb.Append(n); break;
                }
            }
            else
            {
                sb.Append(c);
            }
        }
        if (_pos >= _s.Length)
            throw Error("unterminated string");
        _pos++;
        return sb.ToString();
    }

    private GVariantValue ParseNumber(GVariantType? expected)
    {
        int start = _pos;
        while (_pos < _s.Length && (char.IsAsciiLetterOrDigit(_s[_pos]) || _s[_pos] is '-' or '+' or '.'))
            _pos++;
        var tok = _s[start.._pos];
        if (tok.Length == 0)
            throw Error("expected a value");
        var kind = expected?.Kind ?? (tok.Contains('.') || tok.Contains('e') && !tok.StartsWith("0x", StringComparison.Ordinal) ? 'd' : 'i');
        if (kind == 'd')
        {
            if (!double.TryParse(tok, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                throw Error($"'{tok}' is not a number");
            return GVNumber.FromDouble(d);
        }
        bool neg = tok.StartsWith('-');
        var digits = neg ? tok[1..] : tok;
        ulong mag;
        bool ok = digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(digits[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out mag)
            : ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out mag);
        if (!ok)
            throw Error($"'{tok}' is not a number");
        ulong bits = neg ? (ulong)(-(long)mag) : mag;
        if (kind is not ('y' or 'n' or 'q' or 'i' or 'u' or 'x' or 't' or 'h'))
            throw Error($"a number cannot have type '{expected}'");
        return new GVNumber(kind, bits);
    }

    private GVariantValue ParseArray(GVariantType? expected)
    {
        Expect('[');
        var elemType = expected?.Kind == 'a' ? expected.Element : null;
        var items = new List<GVariantValue>();
        SkipWs();
        if (_pos < _s.Length && _s[_pos] == ']')
        {
            _pos++;
            return elemType?.Signature == "y" ? new GVBytes(Array.Empty<byte>()) : new GVArray(elemType ?? throw Error("an empty array needs a type annotation"), items);
        }
        while (true)
        {
            var item = ParseValue(elemType);
            elemType ??= item.Type;
            items.Add(item);
            SkipWs();
            if (_pos < _s.Length && _s[_pos] == ',')
            {
                _pos++;
                continue;
            }
            Expect(']');
            break;
        }
        if (elemType.Signature == "y")
            return new GVBytes(items.Select(i => (byte)((GVNumber)i).Bits).ToArray());
        return new GVArray(elemType, items);
    }

    private GVariantValue ParseDict(GVariantType? expected)
    {
        Expect('{');
        var entryType = expected?.Kind == 'a' ? expected.Element : null;
        var items = new List<GVariantValue>();
        SkipWs();
        if (_pos < _s.Length && _s[_pos] == '}')
        {
            _pos++;
            return new GVArray(entryType ?? throw Error("an empty dictionary needs a type annotation"), items);
        }
        while (true)
        {
            var key = ParseValue(entryType?.Children[0]);
            SkipWs();
            if (_pos < _s.Length && _s[_pos] == ',' && items.Count == 0 && expected?.Kind == '{')
            {
                _pos++;
                var v = ParseValue(expected.Children[1]);
                Expect('}');
                return new GVDictEntry(key, v);
            }
            Expect(':');
            var value = ParseValue(entryType?.Children[1]);
            var entry = new GVDictEntry(key, value);
            entryType ??= entry.Type;
            items.Add(entry);
            SkipWs();
            if (_pos < _s.Length && _s[_pos] == ',')
            {
                _pos++;
                continue;
            }
            Expect('}');
            break;
        }
        return new GVArray(entryType, items);
    }

    private GVariantValue ParseTuple(GVariantType? expected)
    {
        Expect('(');
        var members = new List<GVariantValue>();
        SkipWs();
        if (_pos < _s.Length && _s[_pos] == ')')
        {
            _pos++;
            return new GVTuple(members);
        }
        while (true)
        {
            var t = expected?.Kind == '(' && members.Count < expected.Children.Count ? expected.Children[members.Count] : null;
            members.Add(ParseValue(t));
            SkipWs();
            if (_pos < _s.Length && _s[_pos] == ',')
            {
                _pos++;
                SkipWs();
                if (_pos < _s.Length && _s[_pos] == ')')
                {
                    _pos++;
                    break;
                }
                continue;
            }
            Expect(')');
            break;
        }
        return new GVTuple(members);
    }
}
