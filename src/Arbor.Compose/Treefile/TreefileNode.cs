// A treefile is YAML or JSON (chosen by file name, as rpm-ostree does), and both must give errors
// that name the file, line, column and key. This is the one tree both formats are read into:
// YAML through YamlDotNet's node model (a quoted scalar stays a string, a plain one is typed by
// the YAML 1.2 core schema as serde_yaml does), JSON through Utf8JsonReader with line and column
// worked out from byte offsets. No reflection, so the ahead-of-time compiled CLI can use it.
using System.Globalization;
using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Arbor.Compose.Treefile;

/// <summary>What a scalar is once its style and text are resolved.</summary>
internal enum ScalarKind { Null, Bool, Integer, Float, String }

/// <summary>One node of a parsed treefile, with where it came from.</summary>
internal sealed class TreefileNode
{
    private static readonly System.Buffers.SearchValues<char> Digits = System.Buffers.SearchValues.Create("0123456789");
    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");
    private static readonly System.Buffers.SearchValues<char> OctalDigits = System.Buffers.SearchValues.Create("01234567");

    public required string File { get; init; }
    public required int Line { get; init; }
    public required int Column { get; init; }
    /// <summary>Mapping entries in document order (keys are scalars); null unless a mapping.</summary>
    public List<(TreefileNode Key, TreefileNode Value)>? Mapping { get; init; }
    /// <summary>Sequence items; null unless a sequence.</summary>
    public List<TreefileNode>? Sequence { get; init; }
    /// <summary>The scalar text; null unless a scalar.</summary>
    public string? Text { get; init; }
    public ScalarKind Kind { get; init; }

    public bool IsScalar => Mapping == null && Sequence == null;
    public string Where => $"{File}: line {Line}, column {Column}";

    public FormatException Error(string key, string message) => new($"{Where}: '{key}' {message}");

    /// <summary>YAML or JSON, as rpm-ostree decides: names ending in .yaml or .yml are YAML, all else JSON.</summary>
    public static bool IsYamlName(string path)
    {
        string name = Path.GetFileName(path);
        return name.EndsWith(".yaml", StringComparison.Ordinal) || name.EndsWith(".yml", StringComparison.Ordinal);
    }

    /// <summary>Reads the file at <paramref name="path"/>; its root must be a mapping.</summary>
    public static TreefileNode Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = System.IO.File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FileNotFoundException($"{path}: cannot read treefile: {e.Message}", path, e);
        }
        TreefileNode root = IsYamlName(path) ? FromYaml(bytes, path) : FromJson(bytes, path);
        if (root.Mapping == null)
            throw new FormatException($"{root.Where}: a treefile must be a mapping of keys to values");
        return root;
    }

    private static TreefileNode FromYaml(byte[] bytes, string path)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StringReader(Encoding.UTF8.GetString(bytes));
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new FormatException($"{path}: line {e.Start.Line}, column {e.Start.Column}: {e.InnerException?.Message ?? e.Message}");
        }
        if (stream.Documents.Count == 0)
            throw new FormatException($"{path}: line 1, column 1: the treefile is empty");
        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode;
            throw new FormatException($"{path}: line {second.Start.Line}, column {second.Start.Column}: a treefile cannot hold more than one document");
        }
        return Convert(stream.Documents[0].RootNode, path);
    }

    private static TreefileNode Convert(YamlNode node, string path)
    {
        int line = (int)node.Start.Line, column = (int)node.Start.Column;
        switch (node)
        {
            case YamlMappingNode map:
                {
                    var entries = new List<(TreefileNode, TreefileNode)>();
                    foreach (var (k, v) in map.Children)
                        entries.Add((Convert(k, path), Convert(v, path)));
                    return new TreefileNode { File = path, Line = line, Column = column, Mapping = entries };
                }
            case YamlSequenceNode seq:
                return new TreefileNode { File = path, Line = line, Column = column, Sequence = seq.Children.Select(c => Convert(c, path)).ToList() };
            case YamlScalarNode scalar:
                {
                    string text = scalar.Value ?? "";
                    ScalarKind kind = scalar.Style is ScalarStyle.Plain or ScalarStyle.Any ? ResolvePlain(text) : ScalarKind.String;
                    return new TreefileNode { File = path, Line = line, Column = column, Text = text, Kind = kind };
                }
            default:
                throw new FormatException($"{path}: line {line}, column {column}: aliases and other node kinds are not supported in a treefile");
        }
    }

    // The YAML 1.2 core schema, which serde_yaml resolves plain scalars with.
    private static ScalarKind ResolvePlain(string s)
    {
        if (s is "" or "~" or "null" or "Null" or "NULL")
            return ScalarKind.Null;
        if (s is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
            return ScalarKind.Bool;
        if (IsInteger(s))
            return ScalarKind.Integer;
        if (s is ".inf" or ".Inf" or ".INF" or "+.inf" or "-.inf" or ".nan" or ".NaN" or ".NAN"
            || (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _) && s.AsSpan().IndexOfAny(Digits) >= 0 && !s.Contains(',', StringComparison.Ordinal)))
            return ScalarKind.Float;
        return ScalarKind.String;
    }

    private static bool IsInteger(string s)
    {
        ReadOnlySpan<char> t = s;
        if (t.StartsWith("0x") && t.Length > 2)
            return t[2..].IndexOfAnyExcept(HexDigits) < 0;
        if (t.StartsWith("0o") && t.Length > 2)
            return t[2..].IndexOfAnyExcept(OctalDigits) < 0;
        if (t.Length > 0 && t[0] is '-' or '+')
            t = t[1..];
        return t.Length > 0 && t.IndexOfAnyExcept(Digits) < 0;
    }

    private static TreefileNode FromJson(byte[] bytes, string path)
    {
        // Line starts, so a byte offset from the reader can be named as line and column.
        var lineStarts = new List<int> { 0 };
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
                lineStarts.Add(i + 1);
        }
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            if (!reader.Read())
                throw new FormatException($"{path}: line 1, column 1: the treefile is empty");
            var root = ReadJson(ref reader, path, lineStarts);
            if (reader.Read())
                throw new FormatException($"{Position(path, lineStarts, reader.TokenStartIndex)}: trailing characters after the treefile");
            return root;
        }
        catch (JsonException e)
        {
            // The position is given once, counted from 1: System.Text.Json's own 0-based one is cut off its message.
            string why = e.Message;
            int at = why.IndexOf(" LineNumber:", StringComparison.Ordinal);
            throw new FormatException($"{path}: line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}: {(at > 0 ? why[..at] : why)}");
        }
    }

    private static string Position(string path, List<int> lineStarts, long offset)
    {
        var (line, column) = LineColumn(lineStarts, offset);
        return $"{path}: line {line}, column {column}";
    }

    private static (int Line, int Column) LineColumn(List<int> lineStarts, long offset)
    {
        int i = lineStarts.BinarySearch((int)offset);
        if (i < 0)
            i = ~i - 1;
        return (i + 1, (int)offset - lineStarts[i] + 1);
    }

    private static TreefileNode ReadJson(ref Utf8JsonReader reader, string path, List<int> lineStarts)
    {
        var (line, column) = LineColumn(lineStarts, reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                {
                    var entries = new List<(TreefileNode, TreefileNode)>();
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                    {
                        var (kl, kc) = LineColumn(lineStarts, reader.TokenStartIndex);
                        string name = reader.GetString()!;
                        var key = new TreefileNode { File = path, Line = kl, Column = kc, Text = name, Kind = ScalarKind.String };
                        if (!seen.Add(name))
                            throw new FormatException($"{key.Where}: duplicate key '{name}'");
                        reader.Read();
                        entries.Add((key, ReadJson(ref reader, path, lineStarts)));
                    }
                    return new TreefileNode { File = path, Line = line, Column = column, Mapping = entries };
                }
            case JsonTokenType.StartArray:
                {
                    var items = new List<TreefileNode>();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        items.Add(ReadJson(ref reader, path, lineStarts));
                    return new TreefileNode { File = path, Line = line, Column = column, Sequence = items };
                }
            case JsonTokenType.String:
                return new TreefileNode { File = path, Line = line, Column = column, Text = reader.GetString(), Kind = ScalarKind.String };
            case JsonTokenType.Number:
                {
                    string text = Encoding.UTF8.GetString(reader.ValueSpan);
                    bool integer = text.AsSpan().IndexOfAny(".eE") < 0;
                    return new TreefileNode { File = path, Line = line, Column = column, Text = text, Kind = integer ? ScalarKind.Integer : ScalarKind.Float };
                }
            case JsonTokenType.True:
            case JsonTokenType.False:
                return new TreefileNode { File = path, Line = line, Column = column, Text = reader.TokenType == JsonTokenType.True ? "true" : "false", Kind = ScalarKind.Bool };
            default:
                return new TreefileNode { File = path, Line = line, Column = column, Text = "null", Kind = ScalarKind.Null };
        }
    }
}
