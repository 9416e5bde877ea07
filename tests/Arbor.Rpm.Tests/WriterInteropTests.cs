// RPMs written by Arbor checked by the real rpm: `rpm -K` says the digests are OK, `rpm -qpi`,
// `-qpl` and `--requires` show what the manifest said, `rpm --root DIR -i --nodeps` installs the
// files, and Arbor's own reader reads the package back with every digest verified.
using Arbor.Rpm.Package;

namespace Arbor.Rpm.Tests;

public class WriterInteropTests
{
    private const string Manifest = """
        name: tool
        version: 1.0^git1
        release: 2
        epoch: 1
        arch: noarch
        summary: A tool for tests
        description: |
          The tool.
        license: MIT
        url: https://example.org/tool
        requires: ["bash >= 4.0", "(foo or bar)"]
        provides: ["toolkit = 3"]
        conflicts: ["oldtool < 1"]
        obsoletes: ["tool-legacy"]
        recommends: ["helper"]
        scripts:
          post: echo installed
        files:
          /etc/tool.conf: [config, noreplace]
          /usr/share/doc/tool/README: [doc]
          /var/log/tool.log: [ghost]
        """;

    private static string MakeTree(string dir)
    {
        var root = Path.Combine(dir, "root");
        Directory.CreateDirectory(Path.Combine(root, "usr/bin"));
        Directory.CreateDirectory(Path.Combine(root, "etc"));
        Directory.CreateDirectory(Path.Combine(root, "usr/share/doc/tool"));
        File.WriteAllText(Path.Combine(root, "usr/bin/tool"), "#!/bin/sh\necho tool\n");
        File.SetUnixFileMode(Path.Combine(root, "usr/bin/tool"), (UnixFileMode)0x1ED);
        File.WriteAllText(Path.Combine(root, "etc/tool.conf"), "x=1\n");
        File.WriteAllText(Path.Combine(root, "usr/share/doc/tool/README"), "read me\n");
        var big = new byte[500_000];
        new Random(1).NextBytes(big);
        File.WriteAllBytes(Path.Combine(root, "usr/bin/blob"), big);
        File.CreateSymbolicLink(Path.Combine(root, "usr/bin/t"), "tool");
        return root;
    }

    [Fact]
    public void DirectorySymlinksArePackagedAsLinks()
    {
        var dir = Tools.TempDir("writer-links");
        try
        {
            var root = Path.Combine(dir, "root");
            Directory.CreateDirectory(Path.Combine(root, "usr/lib"));
            File.WriteAllText(Path.Combine(root, "usr/lib/libx.so"), "lib\n");
            File.CreateSymbolicLink(Path.Combine(root, "usr/lib64"), "lib");
            File.CreateSymbolicLink(Path.Combine(root, "usr/self"), ".");
            var manifest = Path.Combine(dir, "m.yaml");
            File.WriteAllText(manifest, "name: links\nversion: 1\nrelease: 1\narch: noarch\nsummary: s\ndescription: d\nlicense: MIT\n");
            var o = new StringWriter();
            var e = new StringWriter();
            Assert.True(Arbor.Cli.Program.Run(["rpm", "build", manifest, "--root", root, "--output", Path.Combine(dir, "out")], o, e) == 0, e.ToString());
            var rpm = o.ToString().Trim();
            Assert.Equal("/usr\n/usr/lib\n/usr/lib/libx.so\n/usr/lib64\n/usr/self\n", Tools.Run("rpm", ["-qpl", rpm]));
            Assert.Contains($"{rpm}: digests OK", Tools.Run("rpm", ["-K", "--nosignature", rpm]), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("zstd")]
    [InlineData("xz")]
    [InlineData("gzip")]
    public void RpmAcceptsWhatArborWrites(string compression)
    {
        var dir = Tools.TempDir("writer");
        try
        {
            var root = MakeTree(dir);
            var manifest = Path.Combine(dir, "m.yaml");
            File.WriteAllText(manifest, Manifest + $"\ncompression: {compression}\n");
            var o = new StringWriter();
            var e = new StringWriter();
            int code = Arbor.Cli.Program.Run(["rpm", "build", manifest, "--root", root, "--output", Path.Combine(dir, "out")], o, e);
            Assert.True(code == 0, e.ToString());
            var rpm = o.ToString().Trim();
            Assert.EndsWith("tool-1.0^git1-2.noarch.rpm", rpm, StringComparison.Ordinal);

            Assert.Equal($"{rpm}: digests OK\n", Tools.Run("rpm", ["-K", "--nosignature", rpm]));
            Assert.Contains($"{rpm}: digests OK", Tools.Run("rpm", ["-K", rpm]), StringComparison.Ordinal);
            var qi = Tools.Run("rpm", ["-qpi", rpm]);
            Assert.Contains("Name        : tool", qi, StringComparison.Ordinal);
            Assert.Contains("Epoch       : 1", qi, StringComparison.Ordinal);
            Assert.Contains("Version     : 1.0^git1", qi, StringComparison.Ordinal);
            Assert.Contains("Summary     : A tool for tests", qi, StringComparison.Ordinal);
            Assert.Contains("URL         : https://example.org/tool", qi, StringComparison.Ordinal);
            Assert.Equal("/etc\n/etc/tool.conf\n/usr\n/usr/bin\n/usr/bin/blob\n/usr/bin/t\n/usr/bin/tool\n/usr/share\n/usr/share/doc\n/usr/share/doc/tool\n/usr/share/doc/tool/README\n/var/log/tool.log\n",
                Tools.Run("rpm", ["-qpl", rpm]));
            Assert.Equal("/etc/tool.conf\n", Tools.Run("rpm", ["-qpc", rpm]));
            Assert.Equal("/usr/share/doc/tool/README\n", Tools.Run("rpm", ["-qpd", rpm]));
            var requires = Tools.Run("rpm", ["-qp", "--requires", rpm]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Contains("bash >= 4.0", requires);
            Assert.Contains("(foo or bar)", requires);
            Assert.Contains("/bin/sh", requires);
            Assert.Equal("tool = 1:1.0^git1-2\ntoolkit = 3\n", string.Concat(Tools.Run("rpm", ["-qp", "--provides", rpm]).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).Select(x => x + "\n")));
            Assert.Equal("oldtool < 1\n", Tools.Run("rpm", ["-qp", "--conflicts", rpm]));
            Assert.Equal("tool-legacy\n", Tools.Run("rpm", ["-qp", "--obsoletes", rpm]));
            Assert.Equal("helper\n", Tools.Run("rpm", ["-qp", "--recommends", rpm]));
            Assert.Contains("echo installed", Tools.Run("rpm", ["-qp", "--scripts", rpm]), StringComparison.Ordinal);

            var inst = Path.Combine(dir, "inst");
            Directory.CreateDirectory(inst);
            Tools.Run("rpm", ["--root", inst, "-i", "--nodeps", "--noscripts", rpm]);
            Assert.Equal("#!/bin/sh\necho tool\n", File.ReadAllText(Path.Combine(inst, "usr/bin/tool")));
            Assert.Equal((UnixFileMode)0x1ED, File.GetUnixFileMode(Path.Combine(inst, "usr/bin/tool")));
            Assert.Equal("tool", new FileInfo(Path.Combine(inst, "usr/bin/t")).LinkTarget);
            Assert.Equal(File.ReadAllBytes(Path.Combine(root, "usr/bin/blob")), File.ReadAllBytes(Path.Combine(inst, "usr/bin/blob")));
            Assert.Equal("tool-1.0^git1-2.noarch\n", Tools.Run("rpm", ["--root", inst, "-q", "tool"]));
            Assert.Equal("", Tools.Run("rpm", ["--root", inst, "-V", "--nodeps", "tool"]));

            using var pkg = RpmPackage.Open(rpm);
            Assert.Equal(["sha256", "sha1", "payload-sha256", "md5"], pkg.VerifyAll());
            Assert.Equal("tool-1:1.0^git1-2.noarch", pkg.Info.Nevra);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
