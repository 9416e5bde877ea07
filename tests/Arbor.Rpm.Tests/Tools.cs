// Runs the real rpm tools for the interop tests. A missing tool fails the test with a message
// saying what to install; it never skips. Packages built by rpmbuild are cached per process so
// the whole project stays fast.
using System.Diagnostics;

namespace Arbor.Rpm.Tests;

internal static class Tools
{
    public static string Run(string tool, IEnumerable<string> args, string? cwd = null, byte[]? stdin = null, bool check = true)
    {
        var psi = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin != null,
            WorkingDirectory = cwd ?? Directory.GetCurrentDirectory(),
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Fail($"'{tool}' is not installed; run scripts/install-deps.sh test (apt-get install rpm cpio createrepo-c dnf)");
            throw;
        }
        if (stdin != null)
        {
            p.StandardInput.BaseStream.Write(stdin);
            p.StandardInput.Close();
        }
        var errTask = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (check && p.ExitCode != 0)
            Assert.Fail($"{tool} {string.Join(' ', args)} exited {p.ExitCode}: {errTask.Result}");
        return output;
    }

    public static string TempDir(string what)
    {
        var d = Path.Combine(Path.GetTempPath(), $"arbor-rpm-{what}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(d);
        return d;
    }

    public const string Spec = """
        Name: hello
        Version: 1.2~rc1
        Release: 3%{?dist}
        Epoch: 2
        Summary: A greeting for the tests
        License: MIT and (GPL-2.0-or-later)
        Group: Applications/Test
        URL: https://example.org/hello
        BuildArch: noarch
        Requires: bash >= 4.0
        Requires: (foo >= 1.0 or bar)
        Requires(pre): coreutils
        Provides: greeting = 1.0
        Conflicts: other < 2
        Obsoletes: old-hello <= 1.0
        Recommends: weak-dep
        Suggests: suggested > 3
        Supplements: (hello-base and english)
        Enhances: something
        %description
        The hello package says hello.
        Second line.
        %install
        mkdir -p %{buildroot}/usr/bin %{buildroot}/etc %{buildroot}/usr/share/doc/hello %{buildroot}/usr/share/licenses/hello %{buildroot}/var/lib/hello/empty
        printf 'hi\n' > %{buildroot}/usr/bin/hello; chmod 755 %{buildroot}/usr/bin/hello
        ln -s hello %{buildroot}/usr/bin/hi
        ln %{buildroot}/usr/bin/hello %{buildroot}/usr/bin/hello-again
        echo conf > %{buildroot}/etc/hello.conf
        echo doc > %{buildroot}/usr/share/doc/hello/README
        echo lic > %{buildroot}/usr/share/licenses/hello/LICENSE
        head -c 300000 /dev/urandom > %{buildroot}/usr/bin/blob
        printf 'secret\n' > %{buildroot}/etc/hello.secret; chmod 600 %{buildroot}/etc/hello.secret
        %files
        /usr/bin/hello
        /usr/bin/hello-again
        /usr/bin/hi
        %attr(4755,root,root) /usr/bin/blob
        %config(noreplace) /etc/hello.conf
        %config %attr(0600,nobody,nogroup) /etc/hello.secret
        %doc /usr/share/doc/hello/README
        %license /usr/share/licenses/hello/LICENSE
        %ghost /var/log/hello.log
        %dir /var/lib/hello
        %dir %attr(0700,root,root) /var/lib/hello/empty
        %pre
        echo pre "$1"
        %post -p /bin/sh
        echo post
        %preun
        echo preun
        %postun -p <lua>
        print("postun")
        %pretrans -p <lua>
        print("pretrans")
        %triggerin -- bash >= 4
        echo trig
        %changelog
        * Mon Jan 01 2024 Ann Author <ann@example.org> - 2:1.2~rc1-3
        - first entry
        * Sun Dec 31 2023 Bob Builder <bob@example.org> - 1.0-1
        - older entry
        """;

    private static readonly Dictionary<string, string> Built = [];
    private static readonly Lock BuildLock = new();

    /// <summary>Builds the test spec with the given payload ("w9.gzdio", "w6.xzdio", "w19.zstdio"); returns the RPM path.</summary>
    /// <param name="payload">The payload compression.</param>
    /// <param name="smallBlob">Ship a 3 kB random file instead of 300 kB (for tests that copy the package thousands of times).</param>
    public static string BuildRpm(string payload, bool smallBlob = false)
    {
        lock (BuildLock)
        {
            var key = smallBlob ? payload + ":small" : payload;
            if (Built.TryGetValue(key, out var done))
                return done;
            var top = TempDir("rpmbuild");
            var spec = Path.Combine(top, "hello.spec");
            var text = smallBlob ? Spec.Replace("head -c 300000", "head -c 3000", StringComparison.Ordinal) : Spec;
            File.WriteAllText(spec, $"%define _binary_payload {payload}\n" + text + "\n");
            Run("rpmbuild", ["-bb", "--quiet", "--define", $"_topdir {top}", "--define", "_build_id_links none", spec]);
            var rpm = Directory.GetFiles(Path.Combine(top, "RPMS"), "*.rpm", SearchOption.AllDirectories).Single();
            Built[key] = rpm;
            return rpm;
        }
    }
}
