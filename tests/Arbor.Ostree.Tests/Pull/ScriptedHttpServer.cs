// A loopback HTTP/1.x server whose answers the test scripts byte for byte, over plain TCP or TLS
// (a certificate the test made). It records every request head and counts connections, so tests
// can assert keep-alive reuse, retries and what went on the wire. Each connection is served
// until the client closes it, the script says close, or the server is disposed.
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Arbor.Ostree.Tests.Pull;

/// <summary>What the server sends for one request.</summary>
/// <param name="Bytes">The raw answer: status line, headers and body.</param>
/// <param name="Close">Close the connection after sending.</param>
/// <param name="Hang">Send the bytes, then send nothing more and keep the connection open.</param>
/// <param name="SliceSize">Send in slices of this many bytes, with a short pause between them.</param>
public sealed record Reply(byte[] Bytes, bool Close = false, bool Hang = false, int SliceSize = int.MaxValue)
{
    /// <summary>A complete answer with a Content-Length.</summary>
    public static Reply Ok(string body, string extraHeaders = "") =>
        new(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n{extraHeaders}Content-Length: {Encoding.ASCII.GetByteCount(body)}\r\n\r\n{body}"));

    /// <summary>A bodyless answer with the status code.</summary>
    public static Reply Status(int code, string reason) => new(Encoding.ASCII.GetBytes($"HTTP/1.1 {code} {reason}\r\nContent-Length: 0\r\n\r\n"));

    /// <summary>Raw ASCII bytes.</summary>
    public static Reply Raw(string ascii, bool close = false) => new(Encoding.ASCII.GetBytes(ascii), close);
}

/// <summary>The scripted server.</summary>
public sealed class ScriptedHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<int, string, Reply> _answer;
    private readonly X509Certificate2? _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _requests = [];
    private int _connections;

    /// <summary>
    /// Starts serving; <paramref name="answer"/> gets the request's index (from 0, over all
    /// connections) and its path. With <paramref name="certificate"/> (which has its private key)
    /// every connection is TLS.
    /// </summary>
    public ScriptedHttpServer(Func<int, string, Reply> answer, X509Certificate2? certificate = null)
    {
        _answer = answer;
        _certificate = certificate;
        _listener.Start();
        _ = Task.Run(AcceptLoop);
    }

    /// <summary>The base URL of the repository the tests fetch from (path /repo/).</summary>
    public string Url => $"{(_certificate is null ? "http" : "https")}://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/repo";

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>The request heads received so far, in order.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
                return [.. _requests];
        }
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket s;
            try
            {
                s = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }
            Interlocked.Increment(ref _connections);
            _ = Task.Run(() => Serve(s));
        }
    }

    private async Task Serve(Socket socket)
    {
        try
        {
            await using Stream stream = _certificate is null ? new NetworkStream(socket, ownsSocket: true) : new SslStream(new NetworkStream(socket, ownsSocket: true));
            if (stream is SslStream ssl)
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stop.Token);
            var buf = new byte[8192];
            var pending = new StringBuilder();
            while (true)
            {
                int n = await stream.ReadAsync(buf, _stop.Token);
                if (n == 0)
                    return;
                pending.Append(Encoding.ASCII.GetString(buf, 0, n));
                int end;
                while ((end = pending.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal)) >= 0)
                {
                    var head = pending.ToString(0, end);
                    pending.Remove(0, end + 4);
                    int index;
                    lock (_requests)
                    {
                        _requests.Add(head);
                        index = _requests.Count - 1;
                    }
                    var path = head.Split(' ', 3) is [_, var p, _] ? p : "";
                    var reply = _answer(index, path);
                    for (int off = 0; off < reply.Bytes.Length; off += reply.SliceSize)
                    {
                        await stream.WriteAsync(reply.Bytes.AsMemory(off, Math.Min(reply.SliceSize, reply.Bytes.Length - off)), _stop.Token);
                        await stream.FlushAsync(_stop.Token);
                        if (reply.SliceSize < reply.Bytes.Length)
                            await Task.Delay(1, _stop.Token);
                    }
                    if (reply.Hang)
                        await Task.Delay(Timeout.Infinite, _stop.Token);
                    if (reply.Close)
                    {
                        socket.Shutdown(SocketShutdown.Both);
                        return;
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException
            or System.Security.Authentication.AuthenticationException)
        {
            // The client went away, rejected the certificate, or the test ended.
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
