// The JSON form of `arbor rpm info --json`: one object per package with identity, descriptive
// fields, files (with modes, owners, digests, link targets, flags), dependencies of every kind,
// scriptlets, triggers and changelog. Field names are stable for scripts and the interop tests.
using System.Buffers;
using System.Text.Json;
using Arbor.Rpm.Package;

namespace Arbor.Cli.Verbs.Rpm;

internal static class InfoJson
{
    // One buffer and one writer per thread, reused for every package that thread describes: a
    // few hundred packages would otherwise allocate (and the GC zero) a growing buffer each.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The package as indented JSON, UTF-8, in a buffer rented from the shared pool.</summary>
    public static PooledText Write(PackageInfo p)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(64 * 1024);
        buffer.ResetWrittenCount();
        var w = t_writer ??= new Utf8JsonWriter(buffer, Options);
        w.Reset(buffer);
        w.WriteStartObject();
        w.WriteString("name", p.Name);
        if (p.Epoch is long e) w.WriteNumber("epoch", e); else w.WriteNull("epoch");
        w.WriteString("version", p.Version);
        w.WriteString("release", p.Release);
        w.WriteString("arch", p.Arch);
        w.WriteString("nevra", p.Nevra);
        w.WriteString("summary", p.Summary);
        w.WriteString("description", p.Description);
        w.WriteString("license", p.License);
        w.WriteString("group", p.Group);
        w.WriteString("url", p.Url);
        w.WriteString("vendor", p.Vendor);
        w.WriteString("packager", p.Packager);
        w.WriteString("buildhost", p.BuildHost);
        w.WriteNumber("buildtime", p.BuildTime);
        w.WriteString("sourcerpm", p.SourceRpm);
        w.WriteNumber("size", p.Size);
        w.WriteString("payloadcompressor", p.PayloadCompressor);
        w.WriteStartArray("files");
        foreach (var f in p.Files)
        {
            w.WriteStartObject();
            w.WriteString("path", f.Path);
            w.WriteNumber("mode", f.Mode);
            w.WriteNumber("size", f.Size);
            w.WriteString("user", f.User);
            w.WriteString("group", f.Group);
            w.WriteNumber("mtime", f.MTime);
            w.WriteString("digest", f.Digest);
            w.WriteString("linkto", f.LinkTo);
            w.WriteNumber("flags", (uint)f.Flags);
            w.WriteString("caps", f.Caps);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        foreach (var (kind, deps) in p.Dependencies)
        {
            w.WriteStartArray(kind);
            foreach (var d in deps)
            {
                w.WriteStartObject();
                w.WriteString("name", d.Name);
                w.WriteNumber("flags", (uint)d.Flags);
                w.WriteString("version", d.Version);
                w.WriteString("text", d.ToString());
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteStartArray("scripts");
        foreach (var s in p.Scripts)
        {
            w.WriteStartObject();
            w.WriteString("name", s.Name);
            w.WriteString("body", s.Body);
            w.WriteStartArray("interpreter");
            foreach (var i in s.Interpreter) w.WriteStringValue(i);
            w.WriteEndArray();
            w.WriteNumber("flags", s.Flags);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("triggers");
        foreach (var t in p.Triggers)
        {
            w.WriteStartObject();
            w.WriteString("kind", t.Kind);
            w.WriteStartArray("conditions");
            foreach (var c in t.Conditions) w.WriteStringValue(c.ToString());
            w.WriteEndArray();
            w.WriteString("body", t.Body);
            w.WriteString("interpreter", t.Interpreter);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("changelog");
        foreach (var c in p.Changelog)
        {
            w.WriteStartObject();
            w.WriteNumber("time", c.Time);
            w.WriteString("author", c.Author);
            w.WriteString("text", c.Text);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        return PooledText.From(buffer.WrittenSpan);
    }
}
