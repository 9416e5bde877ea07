// Pulling over https from nginx with a certificate from a test CA, by arbor and by the real ostree
// side by side: both trust the CA only through the remote option tls-ca-path and pull the same
// commits; without the option, or with another CA's file, both refuse, and arbor says so in one
// line naming the URL and the certificate problem. nginx is started by the test on loopback and
// stopped by it.
using System.Net;
using Arbor.Ostree.Tests.Pull;

namespace Arbor.Interop.Tests;

[Collection("pull")]
public sealed class HttpsPullInteropTests(PullFixture fx) : IDisposable
{
    private readonly TestCa _ca = new("Arbor interop test CA");
    private NginxServer? _nginx;

    public void Dispose()
    {
        _nginx?.Dispose();
        _ca.Dispose();
    }

    // nginx serving ostree's repository over https with a certificate for 127.0.0.1 from the test CA.
    private NginxServer Https()
    {
        var dir = fx.NewDir("tls");
        using var cert = _ca.Issue([IPAddress.Loopback], "localhost");
        var (certPem, keyPem) = (Path.Combine(dir, "server.pem"), Path.Combine(dir, "server.key"));
        TestCa.WritePem(cert, certPem, keyPem);
        return _nginx = new NginxServer(fx.OstreeRepo, fx.NewDir("nginx-tls"), (certPem, keyPem));
    }

    private static ProcessResult Pull(string exe, string repo, string url, string? caPath)
    {
        string[] prefix = exe == Tools.ArborBin ? ["ostree"] : [];
        Tools.RunOk(exe, [.. prefix, "--repo=" + repo, "remote", "add", "--no-gpg-verify",
            .. caPath is null ? Array.Empty<string>() : ["--set=tls-ca-path=" + caPath], "origin", url]);
        return Tools.Run(exe, [.. prefix, "--repo=" + repo, "pull", "--network-retries=1", "origin", "main", "other"]);
    }

    [Fact]
    public void Arbor_and_ostree_pull_over_https_trusting_the_test_ca_through_tls_ca_path()
    {
        var nginx = Https();
        var caPem = _ca.WritePem(fx.NewPath("ca.pem"));
        foreach (var (exe, mode) in new[] { (Tools.Ostree, "bare-user"), (Tools.ArborBin, "bare-user"), (Tools.ArborBin, "archive") })
        {
            var repo = fx.OstreeInit(mode, "https-dest");
            PullInteropTests.AssertOk(Pull(exe, repo, nginx.Url, caPem));
            Assert.Equal(fx.Main, Tools.OstreeOk("--repo=" + repo, "rev-parse", "origin:main").Stdout.Trim());
            Assert.Equal(fx.Other, Tools.OstreeOk("--repo=" + repo, "rev-parse", "origin:other").Stdout.Trim());
            PullInteropTests.AssertFsckClean(repo);
        }
    }

    [Fact]
    public void Without_the_ca_or_with_another_one_both_refuse_the_server()
    {
        var nginx = Https();
        using var other = new TestCa("Some other CA");
        var otherPem = other.WritePem(fx.NewPath("other-ca.pem"));
        foreach (var caPath in new[] { null, otherPem })
        {
            var theirs = Pull(Tools.Ostree, fx.OstreeInit("bare-user", "https-refused"), nginx.Url, caPath);
            Assert.True(theirs.ExitCode != 0, $"ostree accepted the server: {theirs}");

            var repo = fx.OstreeInit("bare-user", "https-refused");
            var ours = Pull(Tools.ArborBin, repo, nginx.Url, caPath);
            Assert.True(ours.ExitCode == 1 && ours.StderrLines.Count == 1, $"expected one error line: {ours}");
            Assert.Contains(nginx.Url, ours.Stderr, StringComparison.Ordinal);
            Assert.Contains("certificate", ours.Stderr, StringComparison.Ordinal);
            Assert.NotEqual(0, Tools.OstreeRun("--repo=" + repo, "rev-parse", "origin:main").ExitCode);
        }
    }
}
