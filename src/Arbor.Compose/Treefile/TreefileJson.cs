// The expanded treefile as rpm-ostree prints it (`compose tree --print-only`, serde_json's pretty
// printer over TreeComposeConfig): only keys that are set, in rpm-ostree's struct field order,
// two-space indent, "key": value, no trailing newline, non-ASCII left as UTF-8 and only quotes,
// backslashes and control characters escaped. The same text feeds the compose input hash, so it
// must not depend on anything but the treefile: maps are sorted, sets are sorted.
using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Arbor.Compose.Treefile;

/// <summary>Writes a TreefileConfig as rpm-ostree's pretty JSON.</summary>
internal static class TreefileJson
{
    /// <summary>The config as JSON: pretty as --print-only prints it, or compact as rpm-ostree hashes it.</summary>
    /// <param name="c">The merged config.</param>
    /// <param name="indented">Pretty (serde_json::to_writer_pretty) or compact (serde_json::to_vec).</param>
    /// <param name="forHash">Leave out ostree-layers and metadata, as rpm-ostree's input hash does.</param>
    public static byte[] Write(TreefileConfig c, bool indented, bool forHash)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented, NewLine = "\n", Encoder = SerdeJsonEncoder.Instance }))
        {
            w.WriteStartObject();
            Strings(w, "packages", c.Packages);
            if (c.RepoPackages != null)
            {
                w.WriteStartArray("repo-packages");
                foreach (var rp in c.RepoPackages)
                {
                    w.WriteStartObject();
                    w.WriteString("repo", rp.Repo);
                    Strings(w, "packages", rp.Packages);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            Bool(w, "cliwrap", c.Cliwrap);
            Strings(w, "cliwrap-binaries", c.CliwrapBinaries);
            if (c.Edition != null)
                w.WriteString("edition", c.Edition == TreefileEdition.Edition2024 ? "2024" : "2014");
            Str(w, "ref", c.Ref);
            if (!forHash)
                Values(w, "metadata", c.Metadata);
            Str(w, "basearch", c.Basearch);
            Strings(w, "repos", c.Repos);
            Strings(w, "lockfile-repos", c.LockfileRepos);
            Bool(w, "selinux", c.Selinux);
            Bool(w, "ignore-devices", c.IgnoreDevices);
            if (c.SelinuxLabelVersion is { } slv)
                w.WriteNumber("selinux-label-version", slv);
            if (c.Sysusers != null)
                w.WriteString("sysusers", c.Sysusers == SysusersMode.ComposeForced ? "compose-forced" : "compose-auto");
            Bool(w, "ima", c.Ima);
            Str(w, "gpg-key", c.GpgKey);
            if (!forHash)
                Strings(w, "ostree-layers", c.OstreeLayers);
            Strings(w, "ostree-override-layers", c.OstreeOverrideLayers);
            Strings(w, "exclude-packages", c.ExcludePackages);
            Str(w, "platform-module", c.PlatformModule);
            Bool(w, "container", c.Container);
            Bool(w, "recommends", c.Recommends);
            Bool(w, "documentation", c.Documentation);
            Strings(w, "install-langs", c.InstallLangs);
            Strings(w, "initramfs-args", c.InitramfsArgs);
            Bool(w, "no-initramfs", c.NoInitramfs);
            Bool(w, "readonly-executables", c.ReadonlyExecutables);
            if (c.BootLocation is { } bl)
                w.WriteString("boot-location", bl switch { BootLocation.New => "new", BootLocation.Modules => "modules", _ => "kernel-install" });
            Bool(w, "tmp-is-dir", c.TmpIsDir);
            if (c.OptUsrLocal is { } ou)
                w.WriteString("opt-usrlocal", ou switch { OptUsrLocal.Var => "var", OptUsrLocal.Root => "root", _ => "state-overlay" });
            Strings(w, "units", c.Units);
            Str(w, "default-target", c.DefaultTarget);
            Bool(w, "machineid-compat", c.MachineidCompat);
            if (c.Releasever is { } rv)
            {
                if (rv.Kind == TreefileVariableKind.Number)
                    w.WriteNumber("releasever", rv.Number);
                else
                    w.WriteString("releasever", rv.ToString());
            }
            Str(w, "automatic-version-prefix", c.AutomaticVersionPrefix);
            Str(w, "automatic-version-suffix", c.AutomaticVersionSuffix);
            Str(w, "mutate-os-release", c.MutateOsRelease);
            Strings(w, "etc-group-members", c.EtcGroupMembers);
            Bool(w, "preserve-passwd", c.PreservePasswd);
            Check(w, "check-passwd", c.CheckPasswd, passwd: true);
            Check(w, "check-groups", c.CheckGroups, passwd: false);
            Strings(w, "ignore-removed-users", c.IgnoreRemovedUsers);
            Strings(w, "ignore-removed-groups", c.IgnoreRemovedGroups);
            Str(w, "postprocess-script", c.PostprocessScript?.Name);
            Strings(w, "postprocess", c.Postprocess);
            if (c.AddFiles != null)
            {
                w.WriteStartArray("add-files");
                foreach (var f in c.AddFiles)
                {
                    w.WriteStartArray();
                    w.WriteStringValue(f.Source);
                    w.WriteStringValue(f.Destination);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
            }
            Strings(w, "remove-files", c.RemoveFiles);
            if (c.RemoveFromPackages != null)
            {
                w.WriteStartArray("remove-from-packages");
                foreach (var entry in c.RemoveFromPackages)
                {
                    w.WriteStartArray();
                    foreach (var s in entry)
                        w.WriteStringValue(s);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
            }
            Values(w, "add-commit-metadata", c.AddCommitMetadata);
            Target(w, "repo-metadata", c.RepoMetadata);
            Target(w, "advisories-metadata", c.AdvisoriesMetadata);
            Str(w, "rpmdb", c.Rpmdb);
            Bool(w, "rpmdb-normalize", c.RpmdbNormalize);
            Strings(w, "container-cmd", c.ContainerCmd);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void Str(Utf8JsonWriter w, string name, string? value)
    {
        if (value != null)
            w.WriteString(name, value);
    }

    private static void Bool(Utf8JsonWriter w, string name, bool? value)
    {
        if (value is { } b)
            w.WriteBoolean(name, b);
    }

    private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string>? values)
    {
        if (values == null)
            return;
        w.WriteStartArray(name);
        foreach (var v in values)
            w.WriteStringValue(v);
        w.WriteEndArray();
    }

    private static void Target(Utf8JsonWriter w, string name, MetadataTarget? t)
    {
        if (t is { } v)
            w.WriteString(name, v switch { MetadataTarget.Inline => "inline", MetadataTarget.Detached => "detached", _ => "disabled" });
    }

    private static void Check(Utf8JsonWriter w, string name, PasswdCheck? check, bool passwd)
    {
        if (check == null)
            return;
        w.WriteStartObject(name);
        switch (check.Kind)
        {
            case PasswdCheckKind.None: w.WriteString("type", "none"); break;
            case PasswdCheckKind.Previous: w.WriteString("type", "previous"); break;
            case PasswdCheckKind.File:
                w.WriteString("type", "file");
                w.WriteString("filename", check.FileName);
                break;
            default:
                w.WriteString("type", "data");
                w.WriteStartObject("entries");
                foreach (var (entry, (uid, gid)) in check.Entries)
                {
                    int shape = passwd ? check.EntryShapes.GetValueOrDefault(entry, 1) : 1;
                    if (shape == 1)
                    {
                        w.WriteNumber(entry, uid);
                        continue;
                    }
                    w.WriteStartArray(entry);
                    w.WriteNumberValue(uid);
                    if (shape == 3)
                        w.WriteNumberValue(gid);
                    w.WriteEndArray();
                }
                w.WriteEndObject();
                break;
        }
        w.WriteEndObject();
    }

    private static void Values(Utf8JsonWriter w, string name, SortedDictionary<string, TreefileValue>? map)
    {
        if (map == null)
            return;
        w.WritePropertyName(name);
        Value(w, new TreefileValue { Kind = TreefileValueKind.Object, Members = map }, inArray: false);
    }

    private static void Value(Utf8JsonWriter w, TreefileValue v, bool inArray)
    {
        switch (v.Kind)
        {
            case TreefileValueKind.Null: w.WriteNullValue(); break;
            case TreefileValueKind.Bool: w.WriteBooleanValue(v.Text == "true"); break;
            case TreefileValueKind.Integer when long.TryParse(v.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l):
                w.WriteNumberValue(l);
                break;
            case TreefileValueKind.Integer when ulong.TryParse(v.Text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong u):
                w.WriteNumberValue(u);
                break;
            case TreefileValueKind.Integer or TreefileValueKind.Float:
                // Utf8JsonWriter would print 1e20 as 1E+20; serde_json's spelling goes in raw, with the
                // line break and indent the writer gives array items itself.
                string text = SerdeFloat(v.Text);
                w.WriteRawValue(inArray && w.Options.Indented ? "\n" + new string(' ', 2 * w.CurrentDepth) + text : text, skipInputValidation: true);
                break;
            case TreefileValueKind.String: w.WriteStringValue(v.Text); break;
            case TreefileValueKind.Array:
                w.WriteStartArray();
                foreach (var item in v.Items)
                    Value(w, item, inArray: true);
                w.WriteEndArray();
                break;
            default:
                w.WriteStartObject();
                foreach (var (k, member) in v.Members)
                {
                    w.WritePropertyName(k);
                    Value(w, member, inArray: false);
                }
                w.WriteEndObject();
                break;
        }
    }

    /// <summary>
    /// A float as serde_json prints an f64: the shortest digits that read back the same, plain
    /// notation with at least one fractional digit for decimal exponents from -5 to 16, scientific
    /// ("1e20", "1.5e-7") beyond; JSON has no NaN or infinity, so those print as null.
    /// </summary>
    internal static string SerdeFloat(string text)
    {
        string t = text switch
        {
            ".inf" or ".Inf" or ".INF" or "+.inf" or "-.inf" or ".nan" or ".NaN" or ".NAN" => "",
            _ => text,
        };
        if (t.Length == 0 || !double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || !double.IsFinite(d))
            return "null";
        if (d == 0)
            return double.IsNegative(d) ? "-0.0" : "0.0";
        // Shortest round-trip digits, re-laid out as serde_json (ryu) lays them out.
        string shortest = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        int ePos = shortest.IndexOfAny(['E', 'e']);
        string mantissa = ePos < 0 ? shortest : shortest[..ePos];
        int exp = ePos < 0 ? 0 : int.Parse(shortest[(ePos + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        int dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        string digits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        int intLen = dot < 0 ? mantissa.Length : dot;
        // Normalize to digits with no leading/trailing zeros and kk = position of the decimal point.
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0')
            lead++;
        digits = digits[lead..];
        int kk = intLen - lead + exp;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
            digits = "0";
        int n = digits.Length;
        string sign = d < 0 ? "-" : "";
        string body;
        if (n <= kk && kk <= 16)
            body = digits + new string('0', kk - n) + ".0";
        else if (0 < kk && kk <= 16)
            body = digits[..kk] + "." + digits[kk..];
        else if (-5 < kk && kk <= 0)
            body = "0." + new string('0', -kk) + digits;
        else if (n == 1)
            body = digits + "e" + (kk - 1).ToString(CultureInfo.InvariantCulture);
        else
            body = digits[..1] + "." + digits[1..] + "e" + (kk - 1).ToString(CultureInfo.InvariantCulture);
        return sign + body;
    }
}

/// <summary>serde_json's string escaping: quote, backslash and control characters only, with \u00xx in lower case.</summary>
internal sealed class SerdeJsonEncoder : JavaScriptEncoder
{
    public static readonly SerdeJsonEncoder Instance = new();

    public override int MaxOutputCharactersPerInputCharacter => 6;

    public override bool WillEncode(int unicodeScalar) => unicodeScalar < 0x20 || unicodeScalar is '"' or '\\';

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        for (int i = 0; i < textLength; i++)
        {
            if (WillEncode(text[i]))
                return i;
        }
        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        string s = unicodeScalar switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\b' => "\\b",
            '\f' => "\\f",
            < 0x20 => "\\u00" + unicodeScalar.ToString("x2", CultureInfo.InvariantCulture),
            _ => char.ConvertFromUtf32(unicodeScalar),
        };
        if (s.Length > bufferLength)
        {
            numberOfCharactersWritten = 0;
            return false;
        }
        for (int i = 0; i < s.Length; i++)
            buffer[i] = s[i];
        numberOfCharactersWritten = s.Length;
        return true;
    }
}
