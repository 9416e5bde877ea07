// The HTTP servers the pull tests talk to, all on loopback and all owned by the test process:
//   NginxServer   – the real nginx with a private config (no daemon, no master) serving a directory,
//                   over http or over https with a certificate the test made;
//   ArborServe    – `arbor serve` as a child process, its port read from --port-file;
//   FaultServer   – a small in-process Kestrel server over a repository directory that counts
//                   requests and completed responses per path and can corrupt a response, drop
//                   the connection, answer 500 or replace a file's body, as a test decides.
// Each is disposed at the end of its fixture or test, which kills the child process.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Arbor.Interop.Tests;

/// <summary>Helpers shared by the servers.</summary>
public static class Loopback
{
    /// <summary>A TCP port that was free a moment ago on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Waits until something accepts connections on <paramref name="port"/>.</summary>
    public static bool WaitForPort(int port, TimeSpan timeout, Process? owner = null)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (owner is { HasExited: true })
                return false;
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                Thread.Sleep(20);
            }
        }
        return false;
    }

    /// <summary>Kills a child process (and its children) and waits for it.</summary>
    public static void Kill(Process p)
    {
        try
        {
            if (!p.HasExited)
                p.Kill(entireProcessTree: true);
            p.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        p.Dispose();
    }
}

/// <summary>nginx serving a directory on a loopback port, as a child process.</summary>
public sealed class NginxServer : IDisposable
{
    private readonly Process _process;

    /// <summary>
    /// Starts nginx with a private configuration under <paramref name="workDir"/>; with
    /// <paramref name="tls"/> (PEM certificate and key files) it speaks https only.
    /// </summary>
    public NginxServer(string root, string workDir, (string Cert, string Key)? tls = null)
    {
        var nginx = Tools.Require("nginx", "apt-get install -y nginx-light, or scripts/install-deps.sh test");
        Directory.CreateDirectory(workDir);
        for (int attempt = 0; ; attempt++)
        {
            Port = Loopback.FreePort();
            var conf = Path.Combine(workDir, "nginx.conf");
            File.WriteAllText(conf, Config(root, workDir, Port, tls));
            var psi = new ProcessStartInfo(nginx) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "-p", workDir, "-c", conf, "-e", Path.Combine(workDir, "error.log") })
                psi.ArgumentList.Add(a);
            _process = Process.Start(psi) ?? throw new InvalidOperationException("could not start nginx");
            if (Loopback.WaitForPort(Port, TimeSpan.FromSeconds(10), _process))
                break;
            var err = _process.HasExited ? _process.StandardError.ReadToEnd() : "";
            Loopback.Kill(_process);
            if (attempt >= 3)
                throw new InvalidOperationException($"nginx did not start on port {Port}: {err} {ReadLog(workDir)}");
        }
        Url = $"{(tls is null ? "http" : "https")}://127.0.0.1:{Port}";
    }

    /// <summary>The port nginx listens on.</summary>
    public int Port { get; }

    /// <summary>The base URL.</summary>
    public string Url { get; }

    /// <summary>An nginx configuration serving <paramref name="root"/> read-only on 127.0.0.1:<paramref name="port"/>.</summary>
    public static string Config(string root, string workDir, int port, (string Cert, string Key)? tls = null) => $$"""
        daemon off;
        master_process off;
        worker_processes 1;
        pid {{workDir}}/nginx.pid;
        error_log {{workDir}}/error.log;
        events { worker_connections 512; }
        http {
            access_log off;
            default_type application/octet-stream;
            sendfile on;
            keepalive_requests 100000;
            client_body_temp_path {{workDir}}/body;
            proxy_temp_path {{workDir}}/proxy;
            fastcgi_temp_path {{workDir}}/fastcgi;
            uwsgi_temp_path {{workDir}}/uwsgi;
            scgi_temp_path {{workDir}}/scgi;
            server {
                listen 127.0.0.1:{{port}}{{(tls is null ? "" : " ssl")}};
                {{(tls is { } t ? $"ssl_certificate {t.Cert}; ssl_certificate_key {t.Key};" : "")}}
                root {{root}};
                location / { }
            }
        }
        """;

    private static string ReadLog(string workDir)
    {
        var log = Path.Combine(workDir, "error.log");
        return File.Exists(log) ? File.ReadAllText(log) : "";
    }

    /// <inheritdoc />
    public void Dispose() => Loopback.Kill(_process);
}

/// <summary><c>arbor serve</c> over a repository, as a child process.</summary>
public sealed class ArborServe : IDisposable
{
    private readonly Process _process;

    /// <summary>Starts the server on a free port and waits until it listens.</summary>
    public ArborServe(string repo, string portFile)
    {
        var psi = new ProcessStartInfo(Tools.ArborBin) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "serve", "--repo", repo, "--port", "0", "--port-file", portFile })
            psi.ArgumentList.Add(a);
        _process = Process.Start(psi) ?? throw new InvalidOperationException("could not start arbor serve");
        var sw = Stopwatch.StartNew();
        while (!File.Exists(portFile))
        {
            if (_process.HasExited || sw.Elapsed > TimeSpan.FromSeconds(20))
            {
                var err = _process.HasExited ? _process.StandardError.ReadToEnd() : "timed out";
                Loopback.Kill(_process);
                throw new InvalidOperationException($"arbor serve did not start: {err}");
            }
            Thread.Sleep(20);
        }
        Port = int.Parse(File.ReadAllText(portFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Url = $"http://127.0.0.1:{Port}";
    }

    /// <summary>The port.</summary>
    public int Port { get; }

    /// <summary>The base URL.</summary>
    public string Url { get; }

    /// <inheritdoc />
    public void Dispose() => Loopback.Kill(_process);
}

/// <summary>What the fault server does with one request.</summary>
public enum Fault
{
    /// <summary>Serve the file as it is.</summary>
    None,
    /// <summary>Serve the file with one byte in its middle flipped.</summary>
    Corrupt,
    /// <summary>Drop the connection without an answer.</summary>
    Drop,
    /// <summary>Answer 500.</summary>
    ServerError,
    /// <summary>Serve bytes that are not what the file holds (<see cref="FaultServer.Garbage"/>).</summary>
    Garbage,
}

/// <summary>An in-process HTTP server over a directory that injects faults and counts requests.</summary>
public sealed class FaultServer : IDisposable
{
    private readonly WebApplication _app;
    private readonly string _root;

    /// <summary>Starts serving <paramref name="root"/> on a free loopback port.</summary>
    public FaultServer(string root)
    {
        _root = Path.GetFullPath(root);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.Run(HandleAsync);
        _app.Start();
        Url = _app.Urls.First().Replace("localhost", "127.0.0.1", StringComparison.Ordinal);
    }

    /// <summary>The base URL.</summary>
    public string Url { get; }

    /// <summary>Decides the fault for a request path (e.g. <c>/objects/ab/cd….filez</c>); null means none.</summary>
    public Func<string, Fault>? Decide { get; set; }

    /// <summary>The body served for <see cref="Fault.Garbage"/>.</summary>
    public byte[] Garbage { get; set; } = "this is not a GVariant at all"u8.ToArray();

    /// <summary>Requests received per path.</summary>
    public ConcurrentDictionary<string, int> Requests { get; } = new(StringComparer.Ordinal);

    /// <summary>Complete 200 responses per path.</summary>
    public ConcurrentDictionary<string, int> Served { get; } = new(StringComparer.Ordinal);

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        Requests.AddOrUpdate(path, 1, (_, n) => n + 1);
        var file = Path.GetFullPath(Path.Combine(_root, path.TrimStart('/')));
        if (!file.StartsWith(_root + "/", StringComparison.Ordinal) || !File.Exists(file))
        {
            context.Response.StatusCode = 404;
            return;
        }
        var fault = Decide?.Invoke(path) ?? Fault.None;
        switch (fault)
        {
            case Fault.Drop:
                context.Abort();
                return;
            case Fault.ServerError:
                context.Response.StatusCode = 500;
                return;
        }
        var body = fault == Fault.Garbage ? Garbage : await File.ReadAllBytesAsync(file).ConfigureAwait(false);
        if (fault == Fault.Corrupt && body.Length > 0)
            body[body.Length / 2] ^= 0x55;
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body).ConfigureAwait(false);
        await context.Response.CompleteAsync().ConfigureAwait(false);
        Served.AddOrUpdate(path, 1, (_, n) => n + 1);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _app.StopAsync().GetAwaiter().GetResult();
        ((IDisposable)_app).Dispose();
    }
}
