// File capabilities as rpm records them (RPMTAG_FILECAPS: libcap's text form, "cap_net_raw=ep")
// turned into the security.capability xattr value the kernel reads, so an imported file carries
// its capabilities in the commit exactly as rpm-ostree stores them (it round-trips the text through
// libcap and a temporary file). Text -> per-capability permitted/inheritable/effective sets ->
// vfs_cap_data revision 2: le32 magic (0x02000000, | 1 when effective), then le32 permitted and
// inheritable for capabilities 0-31 and 32-63. An empty result means "no capabilities": no xattr.
using System.Buffers.Binary;

namespace Arbor.Compose.Import;

/// <summary>Encodes libcap capability text as a <c>security.capability</c> value.</summary>
public static class FileCapabilities
{
    /// <summary>The xattr name.</summary>
    public const string XattrName = "security.capability";

    /// <summary>Capability names by number (linux/capability.h up to CAP_CHECKPOINT_RESTORE).</summary>
    public static readonly IReadOnlyList<string> Names =
    [
        "cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner", "cap_fsetid", "cap_kill",
        "cap_setgid", "cap_setuid", "cap_setpcap", "cap_linux_immutable", "cap_net_bind_service",
        "cap_net_broadcast", "cap_net_admin", "cap_net_raw", "cap_ipc_lock", "cap_ipc_owner", "cap_sys_module",
        "cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace", "cap_sys_pacct", "cap_sys_admin", "cap_sys_boot",
        "cap_sys_nice", "cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod", "cap_lease",
        "cap_audit_write", "cap_audit_control", "cap_setfcap", "cap_mac_override", "cap_mac_admin", "cap_syslog",
        "cap_wake_alarm", "cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf", "cap_checkpoint_restore",
    ];

    private const uint RevisionTwo = 0x02000000;
    private const uint FlagEffective = 0x000001;

    /// <summary>
    /// The vfs_cap_data bytes for <paramref name="text"/>, or null when the text grants nothing.
    /// </summary>
    /// <exception cref="FormatException">The text is not libcap's capability syntax, or the effective set is partial (libcap refuses that too).</exception>
    public static byte[]? Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        ulong permitted = 0, inheritable = 0, effective = 0;
        foreach (var clause in text.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            int op = clause.IndexOfAny(['=', '+', '-']);
            if (op < 0)
                throw new FormatException($"capability text '{text}': clause '{clause}' has no operator (=, + or -)");
            ulong caps = ParseList(text, clause[..op]);
            int i = op;
            while (i < clause.Length)
            {
                char o = clause[i++];
                if (o is not ('=' or '+' or '-'))
                    throw new FormatException($"capability text '{text}': unexpected '{o}' in clause '{clause}'");
                bool p = false, inh = false, e = false;
                while (i < clause.Length && clause[i] is not ('=' or '+' or '-'))
                {
                    switch (char.ToLowerInvariant(clause[i]))
                    {
                        case 'p': p = true; break;
                        case 'i': inh = true; break;
                        case 'e': e = true; break;
                        default: throw new FormatException($"capability text '{text}': unknown flag '{clause[i]}' in clause '{clause}' (flags are e, i, p)");
                    }
                    i++;
                }
                if (o == '=')
                {
                    permitted &= ~caps;
                    inheritable &= ~caps;
                    effective &= ~caps;
                }
                if (o is '=' or '+')
                {
                    if (p) permitted |= caps;
                    if (inh) inheritable |= caps;
                    if (e) effective |= caps;
                }
                else
                {
                    if (p) permitted &= ~caps;
                    if (inh) inheritable &= ~caps;
                    if (e) effective &= ~caps;
                }
            }
        }
        if (permitted == 0 && inheritable == 0 && effective == 0)
            return null;
        if (effective != 0 && (~effective & (permitted | inheritable)) != 0)
            throw new FormatException($"capability text '{text}': a file's effective flag covers all its permitted and inheritable capabilities or none");
        var value = new byte[20];
        BinaryPrimitives.WriteUInt32LittleEndian(value, RevisionTwo | (effective != 0 ? FlagEffective : 0));
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(4), (uint)permitted);
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(8), (uint)inheritable);
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(12), (uint)(permitted >> 32));
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(16), (uint)(inheritable >> 32));
        return value;
    }

    private static ulong ParseList(string text, string list)
    {
        ulong all = (1UL << Names.Count) - 1;
        if (list.Length == 0 || list.Equals("all", StringComparison.OrdinalIgnoreCase))
            return all;
        ulong caps = 0;
        foreach (var raw in list.Split(','))
        {
            var name = raw.Trim().ToLowerInvariant();
            int n = -1;
            for (int k = 0; k < Names.Count; k++)
            {
                if (Names[k] == name)
                    n = k;
            }
            if (n < 0 && int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var num) && num < 64)
                n = num;
            if (n < 0)
                throw new FormatException($"capability text '{text}': unknown capability '{raw}'");
            caps |= 1UL << n;
        }
        return caps;
    }
}
